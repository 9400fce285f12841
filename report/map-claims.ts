import type { TransportName } from '../core/wire-protocol.ts'
import type { MapPoint, MapResult } from '../results/schema.ts'
import { CLAIM_MARGIN, type ClaimCheck, type ClaimStatus } from './claims.ts'
import { formatBytes, formatNumber } from './format.ts'

// The seed claims re-checked where they can fail: across the workload map's rates and connection
// counts instead of at one workload's load. Each claim is decided per measured (connections, rate);
// its status says whether it held everywhere, nowhere, or only in part of the map.

interface Cell { readonly clients: number, readonly ratePerSec: number, readonly points: ReadonlyMap<TransportName, MapPoint> }

const pct = `${CLAIM_MARGIN * 100}%`

/** The measured points of each (connections, rate), by transport. */
function cells (map: MapResult): Cell[] {
  const out: Cell[] = []
  for (const clients of map.clients) {
    for (const ratePerSec of map.ratesPerSec) {
      const points = new Map(map.points.filter((p) => p.clients === clients && p.ratePerSec === ratePerSec && p.status === 'measured').map((p) => [p.transport, p]))
      if (points.size > 0) out.push({ clients, ratePerSec, points })
    }
  }
  return out
}

/** Wire bytes both ways per delivered message at a point. */
function bytesPerDelivery (p: MapPoint): number {
  return ((p.downBytesPerSec ?? 0) + (p.upBytesPerSec ?? 0)) / Math.max(1e-9, p.deliveredPerSec ?? 0)
}

function where (c: Cell): string {
  return `${c.clients.toLocaleString('en-US')} connections at ${formatNumber(c.ratePerSec)} msg/s`
}

function pick (c: Cell, names: readonly TransportName[]): MapPoint[] {
  return names.flatMap((t) => { const p = c.points.get(t); return p === undefined ? [] : [p] })
}

type Decide = (c: Cell, map: MapResult) => { holds: boolean, figure: string } | null

function decideAcross (map: MapResult, claim: string, rule: string, decide: Decide): ClaimCheck {
  const evidence: string[] = []
  const outcomes: boolean[] = []
  for (const c of cells(map)) {
    const d = decide(c, map)
    if (d === null) continue
    outcomes.push(d.holds)
    evidence.push(`${where(c)}: ${d.figure} (${d.holds ? 'holds' : 'does not hold'})`)
  }
  const status: ClaimStatus = outcomes.length === 0
    ? 'not measured'
    : outcomes.every(Boolean) ? 'confirmed' : outcomes.some(Boolean) ? 'depends on workload' : 'not confirmed'
  return { claim: `${claim} (across the workload map)`, rule, status, evidence }
}

/** The seed claims that can fail at scale, decided at every measured point of the map. */
export function checkMapClaims (map: MapResult): ClaimCheck[] {
  const list = (ps: readonly MapPoint[], f: (p: MapPoint) => string): string => ps.map((p) => `${p.transport} ${f(p)}`).join(', ')
  const perMsg = (p: MapPoint): string => `${formatBytes(bytesPerDelivery(p))}/msg`
  const windowS = map.durationMs / 1000
  return [
    decideAcross(map, 'WebSocket has low per-message overhead.',
      `At each measured point: wire bytes both ways per delivered message (idle traffic included: at low rates heartbeats and polls dominate) for ws at most ${pct} above the lowest other transport's. Heartbeats every ${formatNumber(map.heartbeatMs / 1000)} s count only when a point's run is longer than that.`,
      (c) => {
        const ws = c.points.get('ws')
        const others = pick(c, ['sse', 'long-poll', 'poll'])
        if (ws === undefined || others.length === 0) return null
        const lowest = Math.min(...others.map(bytesPerDelivery))
        return { holds: bytesPerDelivery(ws) <= lowest * (1 + CLAIM_MARGIN), figure: list([ws, ...others], perMsg) }
      }),
    decideAcross(map, 'Polling pays HTTP headers per message.',
      `At each measured point: poll (a request every ${formatNumber(map.pollIntervalMs / 1000)} s, answered empty when nothing is new) puts more than ${pct} more bytes on the wire per delivered message than the costlier of ws and sse. At 0.01 msg/s a client polls about 100 times per message.`,
      (c) => {
        const poll = c.points.get('poll')
        const streaming = pick(c, ['ws', 'sse'])
        if (poll === undefined || streaming.length === 0) return null
        const highest = Math.max(...streaming.map(bytesPerDelivery))
        return { holds: bytesPerDelivery(poll) > highest * (1 + CLAIM_MARGIN), figure: list([poll, ...streaming], perMsg) }
      }),
    decideAcross(map, 'A persistent connection saves setup cost.',
      `At each measured point: the setup bytes of one ws or sse connection (handshake, first response, both ways) are fewer than the request bytes one client of the cheaper polling transport sends in one ${formatNumber(windowS)} s window; a longer session amortizes setup further, so this is the claim's hardest case here.`,
      (c) => {
        const persistent = pick(c, ['ws', 'sse'])
        const polling = pick(c, ['long-poll', 'poll'])
        if (persistent.length === 0 || polling.length === 0) return null
        const requestBytes = (p: MapPoint): number => (p.upBytesPerSec ?? 0) * windowS / Math.max(1, p.clients)
        const cheapest = Math.min(...polling.map(requestBytes))
        return {
          holds: persistent.every((p) => (p.setupBytesPerConnection ?? Number.POSITIVE_INFINITY) < cheapest),
          figure: `setup per connection: ${list(persistent, (p) => formatBytes(p.setupBytesPerConnection ?? Number.NaN))}; requests per client per window: ${list(polling, (p) => formatBytes(requestBytes(p)))}`,
        }
      }),
  ]
}
