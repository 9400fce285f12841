import { errors } from '../core/errors.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { METRICS, type MetricDefinition, type MetricKey } from './metrics.ts'
import { variantOf, type RoundResult, type RunResult } from './schema.ts'
import { benjaminiHochberg, bootstrapMedianRatio, mannWhitneyU, median, pairedMedianRatio, ratioOf, smallestPairedPValue, smallestPValue, wilcoxonSignedRank, type Interval } from './stats.ts'

/** Significance level of the rank test: a change counts only when p < ALPHA. */
export const ALPHA = 0.05

/** Default noise threshold, percent: smaller changes are never flagged, however significant. */
export const DEFAULT_THRESHOLD_PCT = 10

/** What a comparison concluded for one row. */
export type Verdict = 'regression' | 'improvement' | 'within noise' | 'insufficient rounds'

/** Options of compare(). */
export interface CompareOptions {
  /** A change must exceed this many percent, in either direction, to be flagged. */
  readonly thresholdPct: number
  /** Metrics to compare, in METRICS order. */
  readonly metrics: readonly MetricKey[]
  /** Significance level; default ALPHA. */
  readonly alpha?: number
  /** Bootstrap resamples per row; default BOOTSTRAP_ITERATIONS (fewer only for simulations that run compare thousands of times). */
  readonly bootstrapIterations?: number
  /** Also compare each transport with the scenario's first, round by round (never gating); default true. */
  readonly hasCrossTransport?: boolean
}

/** One compared figure: a metric of one (scenario, transport), or its ratio to the scenario's reference transport. */
export interface CompareRow {
  /** 'absolute': the metric itself; 'cross-transport': per round, this transport's metric / the reference transport's. */
  readonly kind: 'absolute' | 'cross-transport'
  readonly scenario: string
  readonly transport: TransportName
  /** The transport divided by, for cross-transport rows; null for absolute rows. */
  readonly reference: TransportName | null
  readonly metric: MetricKey
  readonly label: string
  /** The metric's unit, or '×' for a cross-transport ratio. */
  readonly unit: string
  readonly smallerIsBetter: boolean
  /**
   * True when base and head ran interleaved (npm run bench:ab) and this absolute row was judged pair by
   * pair: round k of base and round k of head ran side by side, so what they shared (the machine's
   * state then) cancels. Rounds valid on one side only are left out.
   */
  readonly paired: boolean
  /** Valid rounds (paired rounds for cross-transport rows; pairs when paired) on each side. */
  readonly baseRounds: number
  readonly headRounds: number
  readonly baseMedian: number | null
  readonly headMedian: number | null
  /** headMedian / baseMedian; when paired, the median of the pairs' head / base ratios. */
  readonly ratio: number | null
  /** (ratio − 1) × 100. */
  readonly changePct: number | null
  /** Bootstrap 95% interval of the ratio (of the pairs' ratios' median, pairs resampled, when paired). */
  readonly interval: Interval | null
  /** Two-sided p-value of head against base: Mann-Whitney U over rounds, or the Wilcoxon signed-rank test over pairs when paired. */
  readonly pValue: number | null
  /**
   * pValue adjusted for the number of rows compared (Benjamini-Hochberg over the absolute rows; the
   * cross-transport rows are a family of their own): the gate tests this, not pValue.
   */
  readonly qValue: number | null
  readonly verdict: Verdict
}

/** A round left out of the comparison because it was not valid. */
export interface ExcludedRound {
  readonly side: 'base' | 'head'
  readonly scenario: string
  readonly transport: TransportName
  readonly round: number
  readonly reasons: readonly string[]
}

/** Everything compare() found. */
export interface Comparison {
  readonly thresholdPct: number
  readonly alpha: number
  readonly rows: readonly CompareRow[]
  readonly excludedRounds: readonly ExcludedRound[]
  /** True when at least one absolute row is a regression: the gate fails (cross-transport rows inform, they do not gate). */
  readonly hasRegression: boolean
  /** Test-mode slowdown each run was produced with, µs per published message (0: none, a real measurement). */
  readonly injectedDelayUs: { readonly base: number, readonly head: number }
  /** The ABBA order when base and head were run interleaved round by round (npm run bench:ab), else null. */
  readonly interleavedOrder: string | null
}

/**
 * Compares two runs per (scenario, transport, metric) over their valid rounds, and each transport's
 * per-round ratio to the scenario's first transport. Throws BENCH_ERR_CONFIG_MISMATCH when the runs'
 * configs differ.
 */
export function compare (base: RunResult, head: RunResult, options: CompareOptions): Comparison {
  assertSameConfig(base, head)
  const alpha = options.alpha ?? ALPHA
  const metrics = METRICS.filter((m) => options.metrics.includes(m.key))
  const rows: CompareRow[] = []
  const order = base.options.interleaved?.order
  const interleavedOrder = order !== undefined && base.options.interleaved?.side === 'base' &&
    head.options.interleaved?.side === 'head' && head.options.interleaved.order === order
    ? order
    : null
  for (const scenario of base.scenarios.map((s) => s.name)) {
    const transports = base.options.transports.filter((t) => base.rounds.some((r) => r.scenario === scenario && r.transport === t))
    const reference = transports[0]
    for (const transport of transports) {
      for (const metric of metrics) {
        const paired = interleavedOrder !== null
        const { b, h } = paired
          ? pairedValues(base, head, scenario, transport, metric)
          : { b: validRounds(base, scenario, transport).map(metric.of), h: validRounds(head, scenario, transport).map(metric.of) }
        rows.push({ kind: 'absolute', scenario, transport, reference: null, paired, ...describe(metric), ...judge(b, h, metric.smallerIsBetter, options.thresholdPct, alpha, options.bootstrapIterations, paired) })
      }
    }
    for (const transport of transports.slice(1)) {
      if (reference === undefined || options.hasCrossTransport === false) break
      for (const metric of metrics) {
        const b = pairedRatios(base, scenario, transport, reference, metric)
        const h = pairedRatios(head, scenario, transport, reference, metric)
        rows.push({ kind: 'cross-transport', scenario, transport, reference, paired: false, ...describe(metric), unit: '×', ...judge(b, h, metric.smallerIsBetter, options.thresholdPct, alpha, options.bootstrapIterations) })
      }
    }
  }
  const decided = new Map([...decide(rows.filter((r) => r.kind === 'absolute'), alpha), ...decide(rows.filter((r) => r.kind === 'cross-transport'), alpha)])
  const judged = rows.map((r) => decided.get(r) ?? r)
  const excludedRounds = [...excluded(base, 'base'), ...excluded(head, 'head')]
  const injectedDelayUs = { base: base.options.injectedDelayUs ?? 0, head: head.options.injectedDelayUs ?? 0 }
  return { thresholdPct: options.thresholdPct, alpha, rows: judged, excludedRounds, hasRegression: judged.some((r) => r.kind === 'absolute' && r.verdict === 'regression'), injectedDelayUs, interleavedOrder }
}

/**
 * Throws BENCH_ERR_CONFIG_MISMATCH naming the first key path whose value differs between the two runs' configs.
 * TLS and HTTP version (options.tls, options.httpVersion; absent = plain HTTP/1.1) are checked first.
 * Run options other than these, transports and target (rounds, profile, interleaved, and the test-mode injectedDelayUs) are not
 * checked: an injected slowdown is exactly what the gate must be able to detect, so it is flagged, not refused.
 */
export function assertSameConfig (base: RunResult, head: RunResult): void {
  // TLS and HTTP version are part of every round's identity: an h2 figure is not an HTTP/1.1 one
  const baseVariant = variantOf(base)
  const headVariant = variantOf(head)
  const found = firstDifference(baseVariant.tls, headVariant.tls, 'options.tls') ??
    firstDifference(baseVariant.httpVersion, headVariant.httpVersion, 'options.httpVersion') ??
    firstDifference(base.options.transports, head.options.transports, 'options.transports') ??
    firstDifference(base.options.target, head.options.target, 'options.target') ??
    // node and chromium clients measure different things (a browser's own stack, its CPU): never one comparison
    firstDifference(base.options.clientsIn ?? 'node', head.options.clientsIn ?? 'node', 'options.clientsIn') ??
    firstDifference(base.scenarios.map((s) => s.name), head.scenarios.map((s) => s.name), 'scenarios (names)')
  if (found !== undefined) throw new errors.BENCH_ERR_CONFIG_MISMATCH(found.path, found.base, found.head)
  for (const scenario of base.scenarios) {
    const other = head.scenarios.find((s) => s.name === scenario.name)
    // description is prose, not a measurement setting
    const diff = firstDifference({ ...scenario, description: '' }, { ...other, description: '' }, `scenarios[${scenario.name}]`)
    if (diff !== undefined) throw new errors.BENCH_ERR_CONFIG_MISMATCH(diff.path, diff.base, diff.head)
  }
}

/** The first key path (depth first, base's key order) where two JSON values differ, with both values as JSON text. */
export function firstDifference (base: unknown, head: unknown, path: string): { path: string, base: string, head: string } | undefined {
  if (isRecord(base) && isRecord(head)) {
    const keys = [...Object.keys(base), ...Object.keys(head).filter((k) => !(k in base))]
    for (const key of keys) {
      const found = firstDifference(base[key], head[key], `${path}.${key}`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (Array.isArray(base) && Array.isArray(head) && base.length === head.length) {
    for (let i = 0; i < base.length; i++) {
      const found = firstDifference(base[i], head[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (JSON.stringify(base) === JSON.stringify(head)) return undefined
  return { path, base: JSON.stringify(base) ?? 'absent', head: JSON.stringify(head) ?? 'absent' }
}

/** The figures of one row; its verdict is provisional until decide() has adjusted the family's p-values. */
function judge (base: readonly number[], head: readonly number[], smallerIsBetter: boolean, thresholdPct: number, alpha: number, iterations?: number, isPaired = false) {
  const counts = { baseRounds: base.length, headRounds: head.length }
  if (base.length === 0 || head.length === 0) {
    return { ...counts, baseMedian: null, headMedian: null, ratio: null, changePct: null, interval: null, pValue: null, qValue: null, verdict: 'insufficient rounds' as Verdict }
  }
  const baseMedian = median(base)
  const headMedian = median(head)
  const bootstrap = iterations === undefined ? {} : { iterations }
  const { ratio, interval } = isPaired
    ? pairedMedianRatio(base, head, bootstrap)
    : { ratio: ratioOf(headMedian, baseMedian), interval: bootstrapMedianRatio(base, head, bootstrap) }
  const changePct = (ratio - 1) * 100
  // paired: each pair's log ratio, so that rows of any scale and multiplicative noise rank alike
  const { pValue } = isPaired ? wilcoxonSignedRank(head.map((h, i) => Math.log(ratioOf(h, base[i] as number)))) : mannWhitneyU(head, base)
  const figures = { ...counts, baseMedian, headMedian, ratio, changePct, interval, pValue, qValue: null }
  // with too few rounds no p-value can fall below alpha, so "no change" would be a claim we cannot make
  const smallest = isPaired ? smallestPairedPValue(base.length) : smallestPValue(base.length, head.length)
  if (smallest >= alpha) return { ...figures, verdict: 'insufficient rounds' as Verdict }
  const isWorse = smallerIsBetter ? changePct > thresholdPct : changePct < -thresholdPct
  const isBetter = smallerIsBetter ? changePct < -thresholdPct : changePct > thresholdPct
  return { ...figures, verdict: (isWorse ? 'regression' : isBetter ? 'improvement' : 'within noise') as Verdict }
}

/**
 * Final verdicts of one family of rows: many rows are compared at once, so their p-values are adjusted
 * (Benjamini-Hochberg) before any is called significant. A change counts only when the adjusted p is
 * below alpha, the bootstrap interval of the ratio excludes 1, and it is beyond the threshold (judge's
 * provisional verdict).
 */
function decide (rows: readonly CompareRow[], alpha: number): Array<[CompareRow, CompareRow]> {
  const q = benjaminiHochberg(rows.map((r) => r.verdict === 'insufficient rounds' ? null : r.pValue))
  return rows.map((row, i) => {
    const qValue = q[i] ?? null
    if (qValue === null || row.interval === null) return [row, { ...row, qValue }]
    const isSignificant = qValue < alpha && (row.interval.lower > 1 || row.interval.upper < 1)
    const verdict: Verdict = isSignificant ? row.verdict : 'within noise'
    return [row, { ...row, qValue, verdict }]
  })
}

function describe (metric: MetricDefinition) {
  return { metric: metric.key, label: metric.label, unit: metric.unit, smallerIsBetter: metric.smallerIsBetter }
}

/** Valid rounds of one (scenario, transport), in round order. */
export function validRounds (run: RunResult, scenario: string, transport: TransportName): RoundResult[] {
  return run.rounds
    .filter((r) => r.scenario === scenario && r.transport === transport && r.status === 'valid')
    .sort((x, y) => x.round - y.round)
}

/** The metric of the rounds valid on both sides, by round number (round k of an interleaved pair of runs ran beside the other's round k). */
function pairedValues (base: RunResult, head: RunResult, scenario: string, transport: TransportName, metric: MetricDefinition): { b: number[], h: number[] } {
  const heads = new Map(validRounds(head, scenario, transport).map((r) => [r.round, metric.of(r)]))
  const b: number[] = []
  const h: number[] = []
  for (const round of validRounds(base, scenario, transport)) {
    const value = heads.get(round.round)
    if (value === undefined) continue
    b.push(metric.of(round))
    h.push(value)
  }
  return { b, h }
}

/** Per round number valid for both transports: transport's metric / reference's metric. */
export function pairedRatios (run: RunResult, scenario: string, transport: TransportName, reference: TransportName, metric: MetricDefinition): number[] {
  const references = new Map(validRounds(run, scenario, reference).map((r) => [r.round, metric.of(r)]))
  const out: number[] = []
  for (const round of validRounds(run, scenario, transport)) {
    const ref = references.get(round.round)
    if (ref !== undefined) out.push(ratioOf(metric.of(round), ref))
  }
  return out
}

function excluded (run: RunResult, side: 'base' | 'head'): ExcludedRound[] {
  return run.rounds
    .filter((r) => r.status !== 'valid')
    .map((r) => ({ side, scenario: r.scenario, transport: r.transport, round: r.round, reasons: r.invalidReasons }))
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
