import type { TransportName } from '../core/wire-protocol.ts'
import type { MedianInterval, ScenarioSummary, TransportSummary } from '../results/summary.ts'
import { formatPercent, formatUs } from './format.ts'

/** The thresholds of the verdict; stated in words on the page by verdictRulesText(). */
export const VERDICT_RULES = {
  /** A transport whose median p99 is within this many percent of the best one's still fits. */
  latencyMarginPct: 10,
  /** Without an interval (one round) only a margin this large counts as poor: one sample cannot tell 15% apart. */
  singleRoundMarginPct: 100,
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
  /** Median p99 / best median p99; null without valid rounds or without a best. */
  readonly ratioToBest: number | null
  /** True when this cell's p99 interval overlaps the best one's: the two cannot be told apart. */
  readonly overlapsBest: boolean
  /** Why the cell is poor or has no verdict; empty otherwise. */
  readonly reasons: readonly string[]
}

/** One row of the matrix. */
export interface ScenarioVerdict {
  readonly scenario: string
  readonly best: TransportName | null
  readonly cells: readonly VerdictCell[]
}

/** The verdict rules in words, exactly as decideScenario applies them. */
export function verdictRulesText (): string[] {
  const { latencyMarginPct, minDeliveredPct, singleRoundMarginPct } = VERDICT_RULES
  return [
    'Only valid rounds count. A transport with no valid round in a workload gets no verdict there.',
    `A transport qualifies when it lost no message (what a client cut as a slow consumer missed after it stopped reading does not count) and delivered at least ${minDeliveredPct}% of the target rate (median over rounds).`,
    'best: the qualifying transport with the lowest median p99 delivery latency (ties: lower median p50).',
    `fits: a qualifying transport whose median p99 is within ${latencyMarginPct}% of the best one's, or whose interval of the median p99 overlaps the best one's (the run cannot tell them apart).`,
    `poor: a transport that does not qualify, or whose median p99 is more than ${latencyMarginPct}% above the best one's with an interval clear of the best one's (with one round there is no interval: only a median p99 more than ${singleRoundMarginPct}% above the best one's is poor, and the cell says it is unconfirmed).`,
    'Each cell shows the median p99 with its interval, the margin to the best transport, and how many valid rounds back it.',
  ]
}

/** Whether two intervals overlap. */
function overlaps (a: MedianInterval, b: MedianInterval): boolean {
  return a.lo <= b.hi && b.lo <= a.hi
}

/** Reasons a transport does not qualify (empty when it does). */
export function disqualifications (t: TransportSummary): string[] {
  if (t.validRounds === 0) return []
  const reasons: string[] = []
  // what a client cut as a slow consumer missed after it stopped reading is the policy working, not a loss
  const lost = t.counters.lost - t.counters.lostToCuts
  if (lost > 0) reasons.push(`lost ${lost} message${lost === 1 ? '' : 's'}`)
  const delivered = t.extra.deliveredRatio.median
  if (delivered < VERDICT_RULES.minDeliveredPct / 100) reasons.push(`delivered ${formatPercent(delivered)} of the target rate`)
  return reasons
}

/** Applies the verdict rules to one scenario's summaries. */
export function decideScenario (summary: ScenarioSummary): ScenarioVerdict {
  const qualifying = summary.transports.filter((t) => t.validRounds > 0 && disqualifications(t).length === 0)
  const best = [...qualifying].sort((a, b) =>
    a.metrics.p99.median - b.metrics.p99.median || a.metrics.p50.median - b.metrics.p50.median)[0]
  const cells = summary.transports.map((t): VerdictCell => {
    const p99 = t.metrics.p99
    if (t.validRounds === 0) {
      const invalid = t.invalidRounds.length
      return { transport: t.transport, fit: 'no verdict', p99, ratioToBest: null, overlapsBest: false, reasons: [`no valid rounds (${invalid} INVALID)`] }
    }
    const ratioToBest = best === undefined ? null : p99.median / Math.max(1, best.metrics.p99.median)
    const overlapsBest = best !== undefined && overlaps(p99, best.metrics.p99)
    const reasons = disqualifications(t)
    if (reasons.length > 0) return { transport: t.transport, fit: 'poor', p99, ratioToBest, overlapsBest, reasons }
    if (t === best) return { transport: t.transport, fit: 'best', p99, ratioToBest, overlapsBest, reasons }
    const isSingleRound = p99.n < 2 || (best?.metrics.p99.n ?? 0) < 2
    const marginPct = isSingleRound ? VERDICT_RULES.singleRoundMarginPct : VERDICT_RULES.latencyMarginPct
    const isWithinMargin = ratioToBest !== null && ratioToBest <= 1 + marginPct / 100
    if (isWithinMargin || overlapsBest) return { transport: t.transport, fit: 'fits', p99, ratioToBest, overlapsBest, reasons }
    return {
      transport: t.transport,
      fit: 'poor',
      p99,
      ratioToBest,
      overlapsBest,
      reasons: [isSingleRound
        ? 'one round only: the margin is unconfirmed (run --rounds 3 or more for an interval)'
        : `p99 interval clear of the best one's (${formatUs(best?.metrics.p99.lo ?? Number.NaN)}–${formatUs(best?.metrics.p99.hi ?? Number.NaN)})`],
    }
  })
  return { scenario: summary.scenario, best: best?.transport ?? null, cells }
}

/** Applies the verdict rules to every scenario. */
export function decideVerdicts (summaries: readonly ScenarioSummary[]): ScenarioVerdict[] {
  return summaries.map(decideScenario)
}

/** How much to trust an interval, in words: "3 rounds, min–max (75% coverage)". */
export function describeConfidence (i: MedianInterval): string {
  if (i.n === 0) return 'no valid rounds'
  const rounds = `${i.n} valid round${i.n === 1 ? '' : 's'}`
  if (i.method === 'order-statistic') return `${rounds}, ${formatPercent(i.coverage)} interval`
  if (i.n === 1) return `${rounds}, no interval`
  return `${rounds}, min–max (${formatPercent(i.coverage)} coverage)`
}
