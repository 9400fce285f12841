import type { TransportName } from '../core/wire-protocol.ts'
import { pairedRatios, validRounds } from './compare.ts'
import { METRICS, type MetricDefinition, type MetricKey } from './metrics.ts'
import type { RunResult } from './schema.ts'
import { median } from './stats.ts'

/** Bencher measure slug per metric: the unit is in the name, since Bencher measures are created by slug. */
export const BMF_MEASURES: Readonly<Record<MetricKey, string>> = {
  p50: 'latency-p50-us',
  p99: 'latency-p99-us',
  msgs: 'delivered-msgs-per-sec',
  bytes: 'wire-bytes-per-msg',
  cpu: 'server-cpu-us-per-msg',
}

/** One Bencher metric: the median over valid rounds, bounded by the smallest and largest round. */
export interface BmfMetric {
  readonly value: number
  readonly lower_value?: number
  readonly upper_value?: number
}

/** Bencher Metric Format: benchmark name → measure slug → metric. */
export type BencherMetricFormat = Record<string, Record<string, BmfMetric>>

/** One entry of github-action-benchmark's customSmallerIsBetter / customBiggerIsBetter JSON. */
export interface GabEntry {
  readonly name: string
  readonly unit: string
  readonly value: number
  readonly range?: string
  readonly extra?: string
}

/** github-action-benchmark input, split by direction: each array is written to its own file. */
export interface GithubActionBenchmark {
  readonly smallerIsBetter: GabEntry[]
  readonly biggerIsBetter: GabEntry[]
}

/** A headline figure of one result: median, minimum and maximum over valid rounds. */
export interface SummaryFigure {
  readonly scenario: string
  readonly transport: TransportName
  /** For cross-transport ratios: the transport divided by; null for absolute figures. */
  readonly reference: TransportName | null
  readonly metric: MetricDefinition
  readonly rounds: number
  readonly median: number
  readonly min: number
  readonly max: number
}

/**
 * Medians over valid rounds of every (scenario, transport, metric), then per-round ratios of each
 * transport to the scenario's first transport. Combinations without a valid round are left out.
 */
export function summarizeResult (result: RunResult, metrics: readonly MetricKey[] = METRICS.map((m) => m.key)): SummaryFigure[] {
  const defs = METRICS.filter((m) => metrics.includes(m.key))
  const out: SummaryFigure[] = []
  for (const scenario of result.scenarios.map((s) => s.name)) {
    const transports = result.options.transports.filter((t) => result.rounds.some((r) => r.scenario === scenario && r.transport === t))
    for (const transport of transports) {
      for (const metric of defs) push(out, { scenario, transport, reference: null, metric }, validRounds(result, scenario, transport).map(metric.of))
    }
    const reference = transports[0]
    if (reference === undefined) continue
    for (const transport of transports.slice(1)) {
      for (const metric of defs) push(out, { scenario, transport, reference, metric }, pairedRatios(result, scenario, transport, reference, metric))
    }
  }
  return out
}

/** The result in Bencher Metric Format: benchmarks "<scenario>/<transport>" and "<scenario>/<transport>-vs-<reference>". */
export function toBencherMetricFormat (result: RunResult, metrics?: readonly MetricKey[]): BencherMetricFormat {
  const out: BencherMetricFormat = {}
  for (const f of summarizeResult(result, metrics)) {
    if (![f.median, f.min, f.max].every(Number.isFinite)) continue // BMF values are JSON numbers
    const benchmark = f.reference === null ? `${f.scenario}/${f.transport}` : `${f.scenario}/${f.transport}-vs-${f.reference}`
    const measure = f.reference === null ? BMF_MEASURES[f.metric.key] : `${BMF_MEASURES[f.metric.key]}-ratio`
    const measures = out[benchmark] ?? {}
    measures[measure] = { value: f.median, lower_value: f.min, upper_value: f.max }
    out[benchmark] = measures
  }
  return out
}

/** The result as github-action-benchmark custom JSON, one array per direction (customSmallerIsBetter / customBiggerIsBetter). */
export function toGithubActionBenchmark (result: RunResult, metrics?: readonly MetricKey[]): GithubActionBenchmark {
  const out: GithubActionBenchmark = { smallerIsBetter: [], biggerIsBetter: [] }
  for (const f of summarizeResult(result, metrics)) {
    if (![f.median, f.min, f.max].every(Number.isFinite)) continue
    const name = f.reference === null
      ? `${f.scenario}/${f.transport} ${f.metric.label}`
      : `${f.scenario}/${f.transport} vs ${f.reference} ${f.metric.label} ratio`
    const entry: GabEntry = {
      name,
      unit: f.reference === null ? f.metric.unit : 'ratio',
      value: round(f.median),
      range: `± ${round((f.max - f.min) / 2)}`,
      extra: `median of ${f.rounds} valid round${f.rounds === 1 ? '' : 's'}; min ${round(f.min)}, max ${round(f.max)}`,
    }
    ;(f.metric.smallerIsBetter ? out.smallerIsBetter : out.biggerIsBetter).push(entry)
  }
  return out
}

/** The two file paths `--export github-action-benchmark FILE` writes: FILE without .json plus .smaller.json / .bigger.json. */
export function githubActionBenchmarkPaths (file: string): { smaller: string, bigger: string } {
  const stem = file.endsWith('.json') ? file.slice(0, -'.json'.length) : file
  return { smaller: `${stem}.smaller.json`, bigger: `${stem}.bigger.json` }
}

function push (out: SummaryFigure[], key: Omit<SummaryFigure, 'rounds' | 'median' | 'min' | 'max'>, values: readonly number[]): void {
  if (values.length === 0) return
  out.push({ ...key, rounds: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) })
}

/** Four significant digits: enough for a chart, without float noise in the JSON. */
function round (n: number): number {
  return Number(n.toPrecision(4))
}
