import { describe, expect, it } from 'vitest'
import type { MapPoint, MapResult } from '../results/schema.ts'
import { crossoverText, findCrossovers, mapCharts } from './map.ts'
import { checkMapClaims } from './map-claims.ts'

/** A map at 1,000 connections whose server CPU (cores) per transport and rate the test sets; bytes and p99 kept in one order. */
function map (cpu: Record<'sse' | 'poll', Record<number, number | 'not-run'>>): MapResult {
  const points: MapPoint[] = (['sse', 'poll'] as const).flatMap((transport) => Object.entries(cpu[transport]).map(([rate, cores]): MapPoint => cores === 'not-run'
    ? { transport, clients: 1_000, ratePerSec: Number(rate), status: 'not-run', reasons: ['budget'] }
    : {
        transport,
        clients: 1_000,
        ratePerSec: Number(rate),
        status: 'measured',
        reasons: [],
        serverCpuCores: cores,
        downBytesPerSec: transport === 'sse' ? 100 : 200,
        upBytesPerSec: 0,
        p99Us: transport === 'sse' ? 1_000 : 500_000,
        latencySamples: 10,
      }))
  return {
    network: 'loopback',
    payloadBytes: 128,
    pollIntervalMs: 1_000,
    heartbeatMs: 15_000,
    longPollHoldMs: 25_000,
    durationMs: 3_000,
    warmupMs: 500,
    serverCores: 1,
    ratesPerSec: [0.01, 0.1, 1, 10],
    clients: [1_000],
    points,
    timeCapHit: false,
    elapsedMs: 60_000,
  }
}

describe('workload map', () => {
  it('states a crossover only between two measured rates where the order changes, with both points', () => {
    const m = map({ sse: { 0.01: 0.02, 0.1: 0.02, 1: 0.03, 10: 0.1 }, poll: { 0.01: 0.01, 0.1: 0.01, 1: 0.06, 10: 0.3 } })
    const found = findCrossovers(m)
    expect(found).toHaveLength(1)
    const [c] = found
    expect(c).toMatchObject({ clients: 1_000, metric: 'cpu', a: 'poll', b: 'sse', lowRate: 0.1, highRate: 1 })
    // log ratio −ln 2 at 0.1 and +ln 2 at 1: the straight line on log axes crosses halfway, at √(0.1 × 1)
    expect(c?.aboutRate).toBeCloseTo(Math.sqrt(0.1), 9)
    expect(crossoverText(c!, m)).toBe('At 1,000 connections, below about 0.32 msg/s per client poll (every 1 s) costs less server CPU than sse; above it, the other way round ' +
      '(measured: at 0.1 msg/s poll 1 % vs sse 2 %; at 1 msg/s 6 % vs 3 %; the crossing point is interpolated on log axes).')
  })

  it('states nothing across a point that was not measured for both, nor where the order never changes', () => {
    expect(findCrossovers(map({ sse: { 0.1: 0.02, 1: 'not-run', 10: 0.1 }, poll: { 0.1: 0.01, 1: 0.06, 10: 0.3 } }))
      .filter((c) => c.lowRate === 0.1 && c.highRate === 1)).toEqual([])
    expect(findCrossovers(map({ sse: { 0.1: 0.02, 10: 0.1 }, poll: { 0.1: 0.03, 10: 0.3 } }))).toEqual([])
  })

  it('states no crossover where the two differ by 10 % or less at either rate, nor for p99 from fewer than 100 deliveries', () => {
    // 0.0200 vs 0.0195 (2.5 %) then 0.1 vs 0.3: the first order is noise
    expect(findCrossovers(map({ sse: { 0.1: 0.0195, 1: 0.1 }, poll: { 0.1: 0.02, 1: 0.3 } }))).toEqual([])
    const few = map({ sse: { 0.1: 0.02, 1: 0.1 }, poll: { 0.1: 0.03, 1: 0.3 } })
    const p99Flip = (samples: number): MapResult => ({
      ...few,
      points: few.points.map((p) => ({ ...p, latencySamples: samples, p99Us: p.transport === 'sse' ? (p.ratePerSec < 1 ? 1_000 : 9_000) : 5_000 })),
    })
    expect(findCrossovers(p99Flip(10)).filter((c) => c.metric === 'p99')).toEqual([])
    expect(findCrossovers(p99Flip(100)).filter((c) => c.metric === 'p99')).toHaveLength(1)
  })

  it('charts each metric per connection count on log axes with measured points only', () => {
    const charts = mapCharts(map({ sse: { 0.1: 0.02, 1: 'not-run', 10: 0.1 }, poll: { 0.1: 0.01, 1: 0.06, 10: 0.3 } }))
    expect(charts.map((c) => c.id)).toEqual(['map-1000-cpu', 'map-1000-bytes', 'map-1000-p99'])
    expect(charts.every((c) => c.kind === 'map' && c.logY === true)).toBe(true)
    expect(charts[0]?.series.find((s) => s.label === 'sse')?.points).toEqual([{ x: 0.1, y: 2 }, { x: 10, y: 10 }])
  })

  it('re-checks the seed claims at every measured point and says where they fail', () => {
    // 1,000 clients; ws and poll at 0.01 and 10 msg/s per client: poll's requests dominate at 0.01, not at 10
    const point = (transport: 'ws' | 'poll', ratePerSec: number, down: number, up: number): MapPoint => ({
      transport,
      clients: 1_000,
      ratePerSec,
      status: 'measured',
      reasons: [],
      serverCpuCores: 0.1,
      downBytesPerSec: down,
      upBytesPerSec: up,
      deliveredPerSec: ratePerSec * 1_000,
      p99Us: 1_000,
      latencySamples: 10,
      setupBytesPerConnection: 400,
    })
    const m: MapResult = {
      ...map({ sse: {}, poll: {} }),
      ratesPerSec: [0.01, 10],
      points: [point('ws', 0.01, 1_500, 0), point('poll', 0.01, 150_000, 150_000), point('ws', 10, 1_500_000, 0), point('poll', 10, 1_500_000, 150_000)],
    }
    const claims = Object.fromEntries(checkMapClaims(m).map((c) => [c.claim.replace(' (across the workload map)', ''), c]))
    expect(claims['WebSocket has low per-message overhead.']?.status).toBe('confirmed')
    const headers = claims['Polling pays HTTP headers per message.']
    expect(headers?.status).toBe('depends on workload')
    expect(headers?.evidence).toEqual([
      '1,000 connections at 0.01 msg/s: poll 30 kB/msg, ws 150 B/msg (holds)',
      '1,000 connections at 10 msg/s: poll 165 B/msg, ws 150 B/msg (does not hold)',
    ])
    // 400 B of setup against 150 B/s × 3 s of requests per client
    expect(claims['A persistent connection saves setup cost.']?.status).toBe('confirmed')
    expect(claims['A persistent connection saves setup cost.']?.evidence[0]).toBe('1,000 connections at 0.01 msg/s: setup per connection: ws 400 B; requests per client per window: poll 450 B (holds)')
  })
})
