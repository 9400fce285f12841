import { describe, expect, it } from 'vitest'
import { buildSampleResult } from './fixtures/build-sample.ts'
import { costOf, costOfRun, headroomOf, MEMORY_NOT_MEASURED, roundCost, SECONDS_PER_MONTH, serverCpuCores } from './cost.ts'
import type { CapacityResult, RoundResult, RunResult } from './schema.ts'

/** A one-scenario fixture (broadcast, `clients` clients, 1 s warm-up + 2 s window) whose rounds the test then shapes. */
function run (clients: number, shape: (r: RoundResult) => RoundResult, rounds = 3): RunResult {
  const result = buildSampleResult({
    transports: ['ws', 'sse'],
    rounds,
    samplesPerRound: 50,
    scenarios: [{ name: 'w', pattern: 'broadcast', clients, ratePerSec: 10, durationMs: 2_000, warmupMs: 1_000 }],
  })
  return { ...result, rounds: result.rounds.map(shape) }
}

/** Server CPU `cpuUs` over the run, `spinUs` of it the publisher's busy-wait; `readPerMsg` bytes read per message. */
function shaped (r: RoundResult, cpuUs: number, readPerMsg: number, extra: Partial<RoundResult['server']> = {}): RoundResult {
  return {
    ...r,
    bytes: { ...r.bytes, steadyRead: readPerMsg * r.counters.received, steadyWritten: 10 * r.counters.received },
    server: { ...r.server, ...extra, process: { ...r.server.process, cpuUserUs: cpuUs, cpuSystemUs: 0 } },
  }
}

describe('cost at the offered load', () => {
  it('counts server CPU over warm-up + window without the publisher clock, as cores busy, when the window was not measured', () => {
    const r = shaped(run(10, (x) => x).rounds[0]!, 600_000, 100, { publisherSpinUs: 200_000, publisherWorkerCpuUs: 100_000 })
    expect(serverCpuCores(r, 3_000)).toBeCloseTo(0.1, 9) // (600 − 300) ms of CPU in 3 s
  })

  it('takes the measured window\'s CPU when the server read it: the warm-up stays out, cores per 10k users follow', () => {
    // 600 ms over the 3 s run, of which the 2 s window took 100 ms: 0.05 cores in steady state, not 0.2
    const r = shaped(run(10, (x) => x).rounds[0]!, 600_000, 100, { windowCpuCores: 0.05 })
    expect(serverCpuCores(r, 3_000)).toBeCloseTo(0.05, 9)
    expect(roundCost(r, 3_000).coresPer10k).toBeCloseTo(0.05 * 10_000 / 10, 9)
  })

  it('states bytes per second each way from the bytes per message times the delivery rate', () => {
    const r = shaped(run(10, (x) => x).rounds[0]!, 0, 150)
    const c = roundCost(r, 3_000)
    expect(c.downBytesPerSec).toBeCloseTo(150 * r.deliveredPerSec, 6)
    expect(c.upBytesPerSec).toBeCloseTo(10 * r.deliveredPerSec, 6)
    // 10 clients → 1,000× per 10,000 users; a 30-day month; GB = 10^9 B
    expect(c.egressGbPerMonthPer10k).toBeCloseTo(150 * r.deliveredPerSec * 1_000 * SECONDS_PER_MONTH / 1e9, 6)
  })

  it('scales cores per 10,000 users from the round\'s clients and gives the interval over rounds', () => {
    const cpu = [300_000, 330_000, 360_000] // 0.1, 0.11, 0.12 cores over 3 s
    const result = run(100, (r) => shaped(r, cpu[r.round - 1]!, 100))
    const ws = costOfRun(result).find((c) => c.transport === 'ws')!
    expect(ws.serverCpuCores.median).toBeCloseTo(0.11, 9)
    expect([ws.per10k.serverCores.lo, ws.per10k.serverCores.median, ws.per10k.serverCores.hi].map((v) => Number(v.toFixed(6)))).toEqual([10, 11, 12])
    expect(ws.serverCpuShare.median).toBeCloseTo(0.11, 9)
    expect(ws.perUserDeliveriesPerSec).toBe(10)
  })

  it('gives memory per connection only from rounds with 1,000 connections or more, never a figure below', () => {
    const small = costOfRun(run(999, (r) => shaped(r, 1, 1, { idleMemoryPerConnectionBytes: 20_000 })))[0]!
    expect(small.memory).toEqual({ measured: false, reason: MEMORY_NOT_MEASURED })
    expect(MEMORY_NOT_MEASURED).toBe('not measured: too few connections')
    const shrunk = costOfRun(run(1_000, (r) => shaped(r, 1, 1, { idleMemoryPerConnectionBytes: -8_000 })))[0]!
    expect(shrunk.memory).toEqual({ measured: false, reason: 'not measured: server RSS did not grow while the clients connected (median -8000 B per connection)' })
    const large = costOfRun(run(1_000, (r) => shaped(r, 1, 1, { idleMemoryPerConnectionBytes: 10_000 + r.round * 1_000 }), 3))[0]!
    expect(large.memory.measured).toBe(true)
    if (large.memory.measured) {
      expect(large.memory.perConnectionBytes.median).toBe(12_000)
      expect(large.memory.per10kBytes.median).toBe(120_000_000)
    }
  })

  it('leaves INVALID rounds out and says when no valid round is left', () => {
    const result = run(10, (r) => (r.transport === 'sse' ? { ...r, status: 'invalid' as const, invalidReasons: ['x'] } : shaped(r, 30_000, 100)))
    const sse = costOf('w', 'sse', result.rounds, result.scenarios[0], 1)
    expect(sse.validRounds).toBe(0)
    expect(sse.memory).toEqual({ measured: false, reason: 'not measured: no valid round' })
  })

  it('takes headroom from a capacity search when there is one, from the CPU share otherwise, and says which', () => {
    const result = run(10, (r) => shaped(r, 750_000, 100)) // 0.25 cores
    const cost = costOfRun(result)[0]!
    const config = result.scenarios[0]!
    expect(headroomOf(cost, config, undefined)).toMatchObject({ factor: 4, source: 'cpu-projection' })
    const capacity = (maxLoad: number | null, limit: CapacityResult['endedBy']['limit']): CapacityResult => ({
      scenario: 'w',
      transport: 'ws',
      dimension: 'ratePerSec',
      sloP99Us: 100_000,
      serverCores: 1,
      steps: [],
      maxLoad,
      endedBy: { limit, detail: 'd' },
      timeCapHit: false,
      projection: null,
    })
    expect(headroomOf(cost, config, capacity(60, 'server-cpu'))).toMatchObject({ factor: 6, source: 'capacity' })
    expect(headroomOf(cost, config, capacity(60, 'max-time'))).toMatchObject({ factor: 6, source: 'capacity-at-least' })
    expect(headroomOf(cost, config, capacity(null, 'slo')).factor).toBe(0)
  })
})
