import { describe, expect, it } from 'vitest'
import { buildSampleResult } from '../results/fixtures/build-sample.ts'
import type { RunResult } from '../results/schema.ts'
import { summarizeRun } from '../results/summary.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { checkClaims } from './claims.ts'
import { firstScreenSentences } from './first-screen.ts'
import { decideVerdicts, verdictRulesText, VERDICT_RULES } from './verdict.ts'

/** Per transport and round: delivery p99 (µs) and server CPU (cores busy over warm-up + window). */
type Shape = Partial<Record<TransportName, Array<{ p99: number, cores: number }>>>

/** A 4-client broadcast at 50 msg/s, SLO p99 ≤ 5 ms, 1 s warm-up + 1 s window, whose rounds the test shapes. */
function shaped (shape: Shape, options: Parameters<typeof buildSampleResult>[0] = {}): RunResult {
  const result = buildSampleResult({ ...options, scenarios: [{ name: 'w', pattern: 'broadcast', clients: 4, ratePerSec: 50, durationMs: 1_000, warmupMs: 1_000, slo: { p99Ms: 5 } }] })
  return {
    ...result,
    rounds: result.rounds.map((r) => {
      const v = shape[r.transport]?.[r.round - 1]
      if (v === undefined) return r
      return {
        ...r,
        latency: { ...r.latency, p99Us: v.p99, p50Us: Math.round(v.p99 / 4) },
        server: { ...r.server, process: { ...r.server.process, cpuUserUs: v.cores * 2_000_000, cpuSystemUs: 0 } },
      }
    }),
  }
}

const rounds = (p99: readonly number[], cores: readonly number[]) => p99.map((p, i) => ({ p99: p, cores: cores[i] ?? 0 }))
const verdictOf = (result: RunResult) => decideVerdicts(result)[0]!
const cells = (result: RunResult) => Object.fromEntries(verdictOf(result).cells.map((c) => [c.transport, c.fit]))
const cell = (result: RunResult, t: TransportName) => verdictOf(result).cells.find((c) => c.transport === t)!

describe('verdict', () => {
  const base: Required<Shape> = {
    ws: rounds([1000, 1100, 1050], [0.10, 0.11, 0.12]),
    sse: rounds([2000, 2100, 2050], [0.05, 0.055, 0.06]),
    'long-poll': rounds([6000, 6200, 6100], [0.05, 0.05, 0.05]),
    poll: rounds([1000, 1000, 1000], [0.60, 0.62, 0.64]),
  }

  it('calls the cheapest per 10,000 users that meets the SLO with 2× headroom best, even when another is faster', () => {
    const result = shaped(base)
    expect(cells(result)).toEqual({ ws: 'fits', sse: 'best', 'long-poll': 'poor', poll: 'poor' })
    // 0.055 cores for 4 users → 137.5 cores per 10,000
    expect(cell(result, 'sse').cost?.per10k.serverCores.median).toBeCloseTo(137.5, 6)
    expect(cell(result, 'sse').headroom).toMatchObject({ source: 'cpu-projection' })
  })

  it('says which condition a poor transport missed and by how much', () => {
    const result = shaped(base)
    expect(cell(result, 'long-poll').reasons).toEqual(['misses the SLO: p99 6.10 ms is 22% above p99 ≤ 5.00 ms'])
    expect(cell(result, 'poll').reasons[0]).toMatch(/^misses the headroom: 1\.6× headroom \(CPU projection\), below 2× \(projected: the server used 62\.0 % of its core/)
  })

  it('follows the numbers: swapping the measurements swaps the verdict', () => {
    const result = shaped({ ws: base.sse, sse: base.ws, 'long-poll': base.poll, poll: base['long-poll'] })
    expect(cells(result)).toEqual({ ws: 'best', sse: 'fits', 'long-poll': 'poor', poll: 'poor' })
  })

  it('calls a cost difference inside the intervals a tie, says so, and lets latency break it', () => {
    const result = shaped({ ws: rounds([1500, 1600, 1550], [0.10, 0.12, 0.14]), sse: rounds([1000, 1100, 1050], [0.11, 0.13, 0.15]) }, { transports: ['ws', 'sse'] })
    expect(cells(result)).toEqual({ ws: 'fits', sse: 'best' })
    expect(cell(result, 'sse').reasons[0]).toBe('tie on cost with ws (intervals overlap): the lowest p99 of them')
    expect(cell(result, 'ws').reasons).toEqual(['tie on cost with sse (intervals overlap); higher p99'])
    expect(cell(result, 'ws').tiedOnCostWith).toEqual(['sse'])
  })

  it('names a tie on cost and p99 as a tie, with no pick between them, in the cells and on the first screen', () => {
    // the same costs as above; p99 intervals 1.0–1.2 ms and 1.1–1.3 ms overlap
    const result = shaped({ ws: rounds([1100, 1300, 1200], [0.10, 0.12, 0.14]), sse: rounds([1000, 1200, 1100], [0.11, 0.13, 0.15]) }, { transports: ['ws', 'sse'] })
    expect(cells(result)).toEqual({ ws: 'fits', sse: 'best' })
    expect(cell(result, 'sse').reasons[0]).toBe('tie on cost and p99 with ws (both intervals overlap): no pick between them; listed first for the lower median p99')
    expect(cell(result, 'ws').reasons).toEqual(['tie on cost and p99 with sse (both intervals overlap): no pick between them'])
    expect([cell(result, 'sse').inFullTie, cell(result, 'ws').inFullTie]).toEqual([true, true])
    const [sentence] = firstScreenSentences(result, decideVerdicts(result))
    expect(sentence).toMatch(/^w, 4 clients at 50 msg\/s: sse or ws — a tie \(cost and p99 within this run's intervals of each other\): sse meets p99 ≤ 5\.00 ms with [\d.]+× headroom \(CPU projection\) at [\d.]+ cores per 10k users, ws at [\d.]+ cores\.$/)
    // separated p99 intervals (the test above): latency breaks the cost tie, and the first screen picks one
    const apart = shaped({ ws: rounds([1500, 1600, 1550], [0.10, 0.12, 0.14]), sse: rounds([1000, 1100, 1050], [0.11, 0.13, 0.15]) }, { transports: ['ws', 'sse'] })
    expect(cell(apart, 'sse').inFullTie).toBe(false)
    expect(firstScreenSentences(apart, decideVerdicts(apart))[0]).toMatch(/: sse — meets .*\(cost tied within the intervals; lowest p99 of the tied\); ws costs/)
  })

  it('takes headroom from a capacity search of the same workload and transport when the run has one', () => {
    const result = shaped(base, { transports: ['ws', 'sse'] })
    const search = (transport: TransportName, maxLoad: number): NonNullable<RunResult['capacity']>[number] => ({
      scenario: 'w', transport, dimension: 'ratePerSec', sloP99Us: 5_000, serverCores: 1, steps: [], maxLoad, endedBy: { limit: 'slo', detail: 'd' }, timeCapHit: false, projection: null,
    })
    const withCapacity = { ...result, capacity: [search('ws', 400), search('sse', 80)] }
    expect(cells(withCapacity)).toEqual({ ws: 'best', sse: 'poor' })
    expect(cell(withCapacity, 'sse').reasons[0]).toBe('misses the headroom: 1.6× headroom, below 2× (capacity search: 80 msg/s passed vs the workload\'s 50 msg/s)')
  })

  it('makes a transport that lost messages poor even when it is cheapest, and names the loss', () => {
    const result = shaped(base, { transports: ['ws', 'sse'], lost: [{ scenario: 'w', transport: 'sse', count: 3 }] })
    expect(verdictOf(result).best).toBe('ws')
    expect(cell(result, 'sse')).toMatchObject({ fit: 'poor', reasons: ['lost 9 messages'] })
  })

  it('gives no verdict without valid rounds', () => {
    const result = shaped({ ws: base.ws }, { transports: ['ws', 'sse'], rounds: 1, invalid: [{ scenario: 'w', transport: 'sse', round: 1, reason: 'saturated' }] })
    expect(cells(result)).toEqual({ ws: 'best', sse: 'no verdict' })
    expect(cell(result, 'ws').reasons).toEqual(['one round: no interval, the cost ranking is unconfirmed (run --rounds 3 or more)'])
  })

  it('puts it in one sentence per workload: the pick, why, with the figure, and what the others cost or missed', () => {
    expect(firstScreenSentences(shaped(base), decideVerdicts(shaped(base)))).toEqual([
      'w, 4 clients at 50 msg/s: sse — meets p99 ≤ 5.00 ms with 18× headroom (CPU projection) at 138 cores per 10k users; ' +
        'ws costs 275 cores; long-poll misses the SLO; poll misses the headroom.',
    ])
    const none = shaped({ ws: base['long-poll'], sse: base.poll }, { transports: ['ws', 'sse'] })
    expect(firstScreenSentences(none, decideVerdicts(none))).toEqual([
      'w, 4 clients at 50 msg/s: nothing fits (p99 ≤ 5.00 ms, ≥ 2× headroom, nothing lost) — ws misses the SLO; sse misses the headroom.',
    ])
  })

  it('says there is no verdict, rather than that nothing fits, when no transport has a valid round', () => {
    const result = shaped({}, { transports: ['ws'], rounds: 1, invalid: [{ scenario: 'w', transport: 'ws', round: 1, reason: 'saturated' }] })
    expect(firstScreenSentences(result, decideVerdicts(result))).toEqual(['w, 4 clients at 50 msg/s: no verdict — no transport has a valid round (see the INVALID rounds).'])
  })

  it('states the thresholds it applies', () => {
    const text = verdictRulesText().join(' ')
    expect(text).toContain(`headroom of at least ${VERDICT_RULES.minHeadroom}×`)
    expect(text).toContain('the cheapest per 10,000 users')
    expect(text).toContain(`at least ${VERDICT_RULES.minDeliveredPct}% of the target rate`)
  })
})

describe('claims', () => {
  it('reports every claim with a status and a figure per workload', () => {
    const claims = checkClaims(summarizeRun(buildSampleResult()))
    expect(claims).toHaveLength(6)
    for (const c of claims) {
      expect(['confirmed', 'not confirmed', 'depends on workload', 'not measured']).toContain(c.status)
      expect(c.evidence).toHaveLength(2)
    }
  })

  it('marks the SSE upstream claim not measured when no workload sends upstream', () => {
    const claims = checkClaims(summarizeRun(shaped({})))
    expect(claims.find((c) => c.claim.startsWith('SSE'))!.status).toBe('not measured')
  })
})
