import type { ScenarioConfig } from '../core/config.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { costOfRun, headroomOf, USERS_PER_COST, type Headroom, type TransportCost } from '../results/cost.ts'
import type { RunResult } from '../results/schema.ts'
import { summarizeRun, type MedianInterval, type ScenarioSummary, type TransportSummary } from '../results/summary.ts'
import { formatPercent, formatUs } from './format.ts'

/** The thresholds of the verdict; stated in words on the page by verdictRulesText(). */
export const VERDICT_RULES = {
  /** A transport fits only with at least this much headroom: the load it could carry / the workload's load. */
  minHeadroom: 2,
  /** Below this share of the target delivery rate a transport did not keep up. */
  minDeliveredPct: 95,
} as const

/** How well one transport fits one workload. */
export type Fit = 'best' | 'fits' | 'poor' | 'no verdict'

/** One cell of the workload × transport matrix. */
export interface VerdictCell {
  readonly transport: TransportName
  readonly fit: Fit
  readonly p99: MedianInterval
  /** The workload's latency target, µs. */
  readonly sloP99Us: number
  /** Median p99 / the SLO; above 1 misses it. NaN without valid rounds. */
  readonly ratioToSlo: number
  /** Cost at the workload's load; null without valid rounds. */
  readonly cost: TransportCost | null
  readonly headroom: Headroom | null
  /** Transports whose cost per 10,000 users cannot be told apart from this one's (intervals overlap), among those that fit. */
  readonly tiedOnCostWith: readonly TransportName[]
  /** True when this cell is in the group tied with the cheapest one, among which latency chose best. */
  readonly inCostTie: boolean
  /**
   * True for best and for each transport tied with it on cost whose p99 interval overlaps best's too:
   * the run cannot tell them apart on either, so there is no pick between them (only with ≥ 2 rounds).
   */
  readonly inFullTie: boolean
  /** Why the cell is poor or has no verdict; how best was chosen; empty otherwise. */
  readonly reasons: readonly string[]
}

/** One row of the matrix. */
export interface ScenarioVerdict {
  readonly scenario: string
  readonly sloP99Us: number
  readonly best: TransportName | null
  readonly cells: readonly VerdictCell[]
}

/** The verdict rules in words, exactly as decideScenario applies them. */
export function verdictRulesText (): string[] {
  const { minHeadroom, minDeliveredPct } = VERDICT_RULES
  return [
    'Only valid rounds count. A transport with no valid round in a workload gets no verdict there.',
    `fits: the transport meets the workload's SLO at the workload's load (median p99 over valid rounds at most the SLO's p99), lost no message (what a client cut as a slow consumer missed after it stopped reading does not count), delivered at least ${minDeliveredPct}% of the target rate (median over rounds), and has a capacity headroom of at least ${minHeadroom}×.`,
    'Headroom = the highest load a capacity search of that workload and transport passed ÷ the workload\'s load, when the run has such a search ("at least" when the search ended before a limit); otherwise it is projected as 1 ÷ the share of the server\'s cores busy at the workload\'s load (CPU only), and the cell says which.',
    `best: among the transports that fit, the cheapest per ${USERS_PER_COST.toLocaleString('en-US')} users: the fewest server cores at the workload's per-user rate (server CPU at the offered load, without the publisher clock's precision cost, scaled from the round's clients; median over valid rounds). Memory per connection and egress are shown beside it.`,
    'Ties: a transport whose interval of cores per 10,000 users overlaps the cheapest one\'s costs the same as far as this run can tell; the cell says so, and among the tied the lowest median p99 is best — unless their p99 intervals overlap too: then the run cannot tell them apart at all, and the cell and the first screen name them together as a tie, with no pick between them (best is only the one listed first). With one round there is no interval and the cost ranking is unconfirmed.',
    `poor: a transport that misses the SLO, the ${minHeadroom}× headroom, loses messages or does not keep up; the cell says which and by how much.`,
  ]
}

/** Whether two intervals overlap. */
function overlaps (a: MedianInterval, b: MedianInterval): boolean {
  return a.lo <= b.hi && b.lo <= a.hi
}

/** Reasons a transport does not fit (empty when it does). */
export function misses (t: TransportSummary, sloP99Us: number, headroom: Headroom): string[] {
  if (t.validRounds === 0) return []
  const reasons: string[] = []
  const p99 = t.metrics.p99.median
  if (p99 > sloP99Us) reasons.push(`misses the SLO: p99 ${formatUs(p99)} is ${formatPercent(p99 / sloP99Us - 1)} above p99 ≤ ${formatUs(sloP99Us)}`)
  if (headroom.factor < VERDICT_RULES.minHeadroom) {
    reasons.push(`misses the headroom: ${formatHeadroom(headroom)}, below ${VERDICT_RULES.minHeadroom}× (${headroom.detail})`)
  }
  // what a client cut as a slow consumer missed after it stopped reading is the policy working, not a loss
  const lost = t.counters.lost - t.counters.lostToCuts
  if (lost > 0) reasons.push(`lost ${lost} message${lost === 1 ? '' : 's'}`)
  const delivered = t.extra.deliveredRatio.median
  if (delivered < VERDICT_RULES.minDeliveredPct / 100) reasons.push(`delivered ${formatPercent(delivered)} of the target rate, below ${VERDICT_RULES.minDeliveredPct}%`)
  return reasons
}

/** "6.1×" or "≥ 6.1×" (a lower bound), "unbounded" when nothing was busy. */
export function formatHeadroom (h: Headroom): string {
  if (!Number.isFinite(h.factor)) return 'headroom unbounded (no server CPU measured)'
  const f = h.factor >= 10 ? h.factor.toFixed(0) : h.factor.toFixed(1)
  return `${h.source === 'capacity-at-least' ? '≥ ' : ''}${f}× headroom${h.source === 'cpu-projection' ? ' (CPU projection)' : ''}`
}

/** Applies the verdict rules to one scenario: its summaries, its config (SLO, load) and the run's costs and capacity searches. */
export function decideScenario (summary: ScenarioSummary, config: ScenarioConfig | undefined, costs: readonly TransportCost[],
  capacity: RunResult['capacity'] = []): ScenarioVerdict {
  const sloP99Us = (config?.slo.p99Ms ?? Number.NaN) * 1000
  const judged = summary.transports.map((t) => {
    const cost = costs.find((c) => c.scenario === summary.scenario && c.transport === t.transport) ?? null
    const headroom = cost === null || t.validRounds === 0 ? null : headroomOf(cost, config, capacity.find((c) => c.scenario === summary.scenario && c.transport === t.transport))
    const reasons = headroom === null ? [] : misses(t, sloP99Us, headroom)
    return { t, cost, headroom, reasons }
  })
  const fitting = judged.filter((j) => j.t.validRounds > 0 && j.reasons.length === 0 && j.cost !== null)
  const coresOf = (j: typeof judged[number]): MedianInterval => (j.cost as TransportCost).per10k.serverCores
  const cheapest = [...fitting].sort((a, b) => coresOf(a).median - coresOf(b).median)[0]
  const tied = cheapest === undefined ? [] : fitting.filter((j) => overlaps(coresOf(j), coresOf(cheapest)))
  const best = [...tied].sort((a, b) => a.t.metrics.p99.median - b.t.metrics.p99.median || coresOf(a).median - coresOf(b).median)[0]
  // latency breaks a cost tie only where it can tell the tied apart: with overlapping p99 intervals it cannot
  const fullTie = best === undefined || coresOf(best).n < 2 ? [] : tied.filter((j) => j !== best && overlaps(j.t.metrics.p99, best.t.metrics.p99))
  const cells = judged.map(({ t, cost, headroom, reasons }): VerdictCell => {
    const p99 = t.metrics.p99
    const base = { transport: t.transport, p99, sloP99Us, ratioToSlo: p99.median / sloP99Us, cost, headroom }
    if (t.validRounds === 0) {
      return { ...base, fit: 'no verdict', tiedOnCostWith: [], inCostTie: false, inFullTie: false, reasons: [`no valid rounds (${t.invalidRounds.length} INVALID)`] }
    }
    if (reasons.length > 0) return { ...base, fit: 'poor', tiedOnCostWith: [], inCostTie: false, inFullTie: false, reasons }
    const mine = fitting.find((j) => j.t === t)
    const tiedOnCostWith = mine === undefined ? [] : fitting.filter((j) => j !== mine && overlaps(coresOf(j), coresOf(mine))).map((j) => j.t.transport)
    if (best !== undefined && t === best.t) {
      const isTie = tied.length > 1
      const oneRound = coresOf(best).n < 2
      return {
        ...base,
        fit: 'best',
        tiedOnCostWith,
        inCostTie: isTie,
        inFullTie: fullTie.length > 0,
        reasons: [
          ...(fullTie.length > 0
            ? [`tie on cost and p99 with ${fullTie.map((j) => j.t.transport).join(', ')} (both intervals overlap): no pick between them; listed first for the lower median p99`]
            : isTie ? [`tie on cost with ${tied.filter((j) => j !== best).map((j) => j.t.transport).join(', ')} (intervals overlap): the lowest p99 of them`] : []),
          ...(oneRound ? ['one round: no interval, the cost ranking is unconfirmed (run --rounds 3 or more)'] : []),
        ],
      }
    }
    const isTiedWithBest = best !== undefined && tied.includes(mine as typeof judged[number])
    const isFullTie = fullTie.includes(mine as typeof judged[number])
    return {
      ...base,
      fit: 'fits',
      tiedOnCostWith,
      inCostTie: isTiedWithBest,
      inFullTie: isFullTie,
      reasons: isFullTie
        ? [`tie on cost and p99 with ${best?.t.transport ?? ''} (both intervals overlap): no pick between them`]
        : isTiedWithBest ? [`tie on cost with ${best?.t.transport ?? ''} (intervals overlap); higher p99`] : [],
    }
  })
  return { scenario: summary.scenario, sloP99Us, best: best?.t.transport ?? null, cells }
}

/** Applies the verdict rules to every scenario of a run. */
export function decideVerdicts (result: RunResult, summaries: readonly ScenarioSummary[] = summarizeRun(result)): ScenarioVerdict[] {
  const costs = costOfRun(result)
  return summaries.map((s) => decideScenario(s, result.scenarios.find((c) => c.name === s.scenario), costs, result.capacity ?? []))
}

/** How much to trust an interval, in words: "3 rounds, min–max (75% coverage)". */
export function describeConfidence (i: MedianInterval): string {
  if (i.n === 0) return 'no valid rounds'
  const rounds = `${i.n} valid round${i.n === 1 ? '' : 's'}`
  if (i.method === 'order-statistic') return `${rounds}, ${formatPercent(i.coverage)} interval`
  if (i.n === 1) return `${rounds}, no interval`
  return `${rounds}, min–max (${formatPercent(i.coverage)} coverage)`
}
