import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import {
  createHistogram, decodeHistogram, percentileCurve, summarizeHistogram, type Histogram, type HistogramSummary,
} from '../core/histogram.ts'
import { sumCounters, type DeliveryCounters } from '../core/measures.ts'
import { METRICS, type MetricKey } from './metrics.ts'
import type { RoundResult, RunResult } from './schema.ts'

/** Confidence level of every interval in summaries. */
export const INTERVAL_CONFIDENCE = 0.95

/** A median over rounds with the interval around it. */
export interface MedianInterval {
  readonly median: number
  readonly lo: number
  readonly hi: number
  /** Number of values (valid rounds). */
  readonly n: number
  /** 'order-statistic': distribution-free interval of the median; 'min-max': too few rounds for one. */
  readonly method: 'order-statistic' | 'min-max' | 'none'
  /** Probability that [lo, hi] holds the true median (exact, from the binomial distribution). */
  readonly coverage: number
}

/** Figures derived from every round besides METRICS; units in the names. */
export type ExtraKey = 'overheadBytes' | 'payloadBytes' | 'setupBytesPerConnection' | 'setupBytesPerMessage' | 'serverRssPerConnectionBytes' |
  'clientBytesPerMessage' | 'upstreamBytesPerMessage' | 'targetPerSec' | 'deliveredRatio' | 'connectP50Us' | 'connectP99Us' |
  'p90' | 'p999'

/** A round whose numbers cannot be trusted, with its reasons. */
export interface InvalidRound {
  readonly scenario: string
  readonly transport: TransportName
  readonly round: number
  readonly reasons: readonly string[]
}

/** Summed correctness counters of the valid rounds. */
export type CounterTotals = Required<DeliveryCounters> & { readonly outOfRange: number }

/** Everything the report shows for one (scenario, transport), from valid rounds only. */
export interface TransportSummary {
  readonly scenario: string
  readonly transport: TransportName
  readonly validRounds: number
  readonly invalidRounds: readonly InvalidRound[]
  readonly metrics: Readonly<Record<MetricKey, MedianInterval>>
  readonly extra: Readonly<Record<ExtraKey, MedianInterval>>
  /** The latency histograms of all valid rounds added together. */
  readonly latency: HistogramSummary
  /** HdrHistogram percentile-distribution points of the merged latency (percentile 0..100, µs). */
  readonly latencyCurve: ReadonlyArray<{ percentile: number, valueUs: number }>
  readonly connect: HistogramSummary
  readonly counters: CounterTotals
  /** Latency over time: per second of the measured window, over the valid rounds that have a timeline (empty when none has). */
  readonly timeline: readonly TimelineSecond[]
  /** Why the byte figures are zeros that mean nothing, when a valid round's clients could not count bytes (browser clients). */
  readonly bytesNotMeasured?: string
}

/** One second of the measured window across rounds: median of the rounds' per-second p99, max of their maxima, µs. */
export interface TimelineSecond {
  readonly second: number
  /** Rounds that have this second. */
  readonly rounds: number
  readonly deliveredMedian: number
  readonly p99MedianUs: number
  readonly maxUs: number
}

/** All transports of one scenario, in registry order. */
export interface ScenarioSummary {
  readonly scenario: string
  readonly transports: readonly TransportSummary[]
}

const EXTRA: ReadonlyArray<readonly [ExtraKey, (r: RoundResult) => number]> = [
  ['overheadBytes', (r) => r.overheadBytesPerMessage],
  ['payloadBytes', (r) => r.bytesPerMessage - r.overheadBytesPerMessage],
  ['setupBytesPerConnection', (r) => (r.bytes.setupRead + r.bytes.setupWritten) / Math.max(1, r.clients)],
  ['setupBytesPerMessage', (r) => (r.bytes.setupRead + r.bytes.setupWritten) / Math.max(1, r.deliveredInWindow)],
  // growth of RSS with idle connections when the runner measured it, else RSS over open connections (an overestimate)
  ['serverRssPerConnectionBytes', (r) => r.server.idleMemoryPerConnectionBytes ?? r.server.process.rssBytes / Math.max(1, r.server.openConnections)],
  ['clientBytesPerMessage', (r) => r.bytes.steadyWritten / Math.max(1, r.deliveredInWindow)],
  ['upstreamBytesPerMessage', (r) => (r.counters.upstreamSent > 0 ? r.bytes.steadyWritten / r.counters.upstreamSent : 0)],
  ['targetPerSec', (r) => r.targetPerSec],
  ['deliveredRatio', (r) => (r.targetPerSec > 0 ? r.deliveredPerSec / r.targetPerSec : 1)],
  ['connectP50Us', (r) => r.clients > 0 ? summarizeHistogram(decodeHistogram(r.histograms.connect)).p50Us : 0],
  ['connectP99Us', (r) => r.clients > 0 ? summarizeHistogram(decodeHistogram(r.histograms.connect)).p99Us : 0],
  ['p90', (r) => r.latency.p90Us],
  ['p999', (r) => r.latency.p999Us],
]

/** Probability that Binomial(n, 1/2) ≤ k. */
function binomialCdfHalf (n: number, k: number): number {
  let term = Math.pow(0.5, n) // C(n, 0) / 2^n
  let sum = 0
  for (let i = 0; i <= k; i++) {
    sum += term
    term = term * (n - i) / (i + 1)
  }
  return sum
}

/**
 * The median of `values` and a distribution-free interval for it: the order statistics x(k), x(n−k+1)
 * with the largest k whose exact binomial coverage is ≥ 95% (needs ≥ 6 values). With fewer values the
 * interval is min..max and its (lower) coverage is reported, never presented as 95%.
 */
export function medianInterval (values: readonly number[]): MedianInterval {
  const n = values.length
  if (n === 0) return { median: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0, method: 'none', coverage: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(n / 2)
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  let k = 0 // 1-based rank of the lower bound; 0 = none reaches the confidence level
  for (let j = 1; j <= Math.floor(n / 2); j++) {
    if (1 - 2 * binomialCdfHalf(n, j - 1) >= INTERVAL_CONFIDENCE) k = j
    else break
  }
  if (k === 0) {
    const coverage = n === 1 ? 0 : 1 - 2 * binomialCdfHalf(n, 0)
    return { median, lo: sorted[0]!, hi: sorted[n - 1]!, n, method: 'min-max', coverage }
  }
  return { median, lo: sorted[k - 1]!, hi: sorted[n - k]!, n, method: 'order-statistic', coverage: 1 - 2 * binomialCdfHalf(n, k - 1) }
}

/** Adds the encoded histograms of `rounds` (selected by `pick`) into one histogram. */
export function mergeRoundHistograms (rounds: readonly RoundResult[], pick: (r: RoundResult) => string): Histogram {
  const merged = createHistogram()
  for (const r of rounds) merged.add(decodeHistogram(pick(r)))
  return merged
}

/** Sums the correctness counters of `rounds`, and their latencies out of the histogram's range. */
export function sumRoundCounters (rounds: readonly RoundResult[]): CounterTotals {
  let outOfRange = 0
  for (const r of rounds) outOfRange += r.outOfRange
  return { ...sumCounters(rounds.map((r) => r.counters)), outOfRange }
}

/**
 * Per second of the window across rounds. Each round's per-second figures come from its load generators'
 * histograms added; across rounds p99 is the median of the rounds' values (as the headline p99 is) and
 * max is the largest, so no percentile is averaged.
 */
export function summarizeTimeline (rounds: readonly RoundResult[]): TimelineSecond[] {
  const bySecond = new Map<number, Array<NonNullable<RoundResult['timeline']>[number]>>()
  for (const r of rounds) {
    for (const point of r.timeline ?? []) bySecond.set(point.second, [...(bySecond.get(point.second) ?? []), point])
  }
  return [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([second, points]) => ({
    second,
    rounds: points.length,
    deliveredMedian: medianInterval(points.map((p) => p.delivered)).median,
    p99MedianUs: medianInterval(points.map((p) => p.p99Us)).median,
    maxUs: Math.max(...points.map((p) => p.maxUs)),
  }))
}

/** Summarizes one (scenario, transport): valid rounds merged and medianed, invalid rounds listed. */
export function summarizeTransport (scenario: string, transport: TransportName, rounds: readonly RoundResult[]): TransportSummary {
  const mine = rounds.filter((r) => r.scenario === scenario && r.transport === transport)
  const valid = mine.filter((r) => r.status === 'valid')
  const invalidRounds = mine.filter((r) => r.status === 'invalid')
    .map((r) => ({ scenario, transport, round: r.round, reasons: r.invalidReasons }))
  const metrics = Object.fromEntries(METRICS.map((m) => [m.key, medianInterval(valid.map(m.of))])) as Record<MetricKey, MedianInterval>
  const extra = Object.fromEntries(EXTRA.map(([key, of]) => [key, medianInterval(valid.map(of))])) as Record<ExtraKey, MedianInterval>
  const latency = mergeRoundHistograms(valid, (r) => r.histograms.latency)
  return {
    scenario,
    transport,
    validRounds: valid.length,
    invalidRounds,
    metrics,
    extra,
    latency: summarizeHistogram(latency),
    latencyCurve: percentileCurve(latency),
    connect: summarizeHistogram(mergeRoundHistograms(valid, (r) => r.histograms.connect)),
    counters: sumRoundCounters(valid),
    timeline: summarizeTimeline(valid),
    ...bytesNote(valid),
  }
}

function bytesNote (valid: readonly RoundResult[]): Pick<TransportSummary, 'bytesNotMeasured'> {
  const note = valid.find((r) => r.bytesNotMeasured !== undefined)?.bytesNotMeasured
  return note === undefined ? {} : { bytesNotMeasured: note }
}

/** Summarizes a run: one entry per scenario (config order), one per transport that has rounds. */
export function summarizeRun (result: RunResult): ScenarioSummary[] {
  const names = [...new Set([...result.scenarios.map((s) => s.name), ...result.rounds.map((r) => r.scenario)])]
  return names.map((scenario) => {
    const present = new Set(result.rounds.filter((r) => r.scenario === scenario).map((r) => r.transport))
    const transports = TRANSPORT_NAMES.filter((t) => present.has(t)).map((t) => summarizeTransport(scenario, t, result.rounds))
    return { scenario, transports }
  })
}

/** Every invalid round of a run, in execution order. */
export function listInvalidRounds (result: RunResult): InvalidRound[] {
  return listRounds(result, 'invalid')
}

/** Every round that was run again because its load generator saturated (nothing lost), in execution order. */
export function listRerunRounds (result: RunResult): InvalidRound[] {
  return listRounds(result, 'rerun')
}

function listRounds (result: RunResult, status: RoundResult['status']): InvalidRound[] {
  return [...result.rounds].filter((r) => r.status === status).sort((a, b) => a.order - b.order)
    .map((r) => ({ scenario: r.scenario, transport: r.transport, round: r.round, reasons: r.invalidReasons }))
}
