import type { TransportName } from '../core/wire-protocol.ts'
import type { ScenarioSummary, TransportSummary } from '../results/summary.ts'

/** Colours per transport (Okabe–Ito, readable for colour-blind readers and in greyscale print). */
export const TRANSPORT_COLORS: Readonly<Record<TransportName, string>> = {
  ws: '#0072B2', sse: '#E69F00', 'long-poll': '#009E73', poll: '#CC79A7',
}

/** One series of a chart: bars (`values`, one per label) or a curve (`points`). */
export interface ChartSeries {
  readonly label: string
  readonly color: string
  readonly values?: readonly number[]
  readonly points?: ReadonlyArray<{ x: number, y: number }>
  readonly dashed?: boolean
  /** Bars with the same stack id are stacked. */
  readonly stack?: string
}

/** Everything the browser needs to draw one chart; plain JSON, embedded escaped. */
export interface ChartSpec {
  readonly id: string
  readonly kind: 'percentile' | 'bar' | 'timeline' | 'map'
  readonly title: string
  /** One line: how to read the chart. */
  readonly caption: string
  /** Unit of the value axis: 'µs', 'B', 'B/s', '%', 'msg/s', 'µs/msg'. */
  readonly unit: string
  readonly labels: readonly string[]
  readonly series: readonly ChartSeries[]
  readonly stacked?: boolean
  readonly logY?: boolean
}

/** Percentile ticks of the HdrHistogram plot: position on the log10(1/(1−p)) axis and its label. */
export const PERCENTILE_TICKS: ReadonlyArray<{ x: number, label: string }> = [
  { x: 0, label: '0%' }, { x: Math.log10(2), label: '50%' }, { x: 1, label: '90%' }, { x: 2, label: '99%' },
  { x: 3, label: '99.9%' }, { x: 4, label: '99.99%' }, { x: 5, label: '99.999%' },
]

/**
 * Points of a percentile curve on the log10(1/(1−p)) axis. Percentiles beyond what the sample count can
 * resolve (1/(1−p) > count) and p = 100% (at infinity) are left out rather than drawn as if measured.
 */
export function curvePoints (t: TransportSummary): Array<{ x: number, y: number }> {
  const count = t.latency.count
  return t.latencyCurve
    .filter((p) => p.percentile < 100 && 1 / (1 - p.percentile / 100) <= count)
    .map((p) => ({ x: Math.log10(1 / (1 - p.percentile / 100)), y: Math.max(1, p.valueUs) }))
}

const valid = (s: ScenarioSummary): TransportSummary[] => s.transports.filter((t) => t.validRounds > 0)

function bars (id: string, s: ScenarioSummary, spec: Omit<ChartSpec, 'id' | 'kind' | 'labels' | 'series'>,
  series: ReadonlyArray<Omit<ChartSeries, 'values'> & { of: (t: TransportSummary) => number }>): ChartSpec {
  const ts = valid(s)
  return {
    id,
    kind: 'bar',
    ...spec,
    labels: ts.map((t) => t.transport),
    series: series.map(({ of, ...rest }) => ({ ...rest, values: ts.map((t) => round3(of(t))) })),
  }
}

function round3 (n: number): number {
  return Number.isFinite(n) ? Number(n.toPrecision(4)) : 0
}

/** The latency-over-time chart of one scenario (p99 solid, max dashed, per transport); undefined when no round has a timeline. */
export function timelineChart (id: string, s: ScenarioSummary): ChartSpec | undefined {
  const ts = valid(s).filter((t) => t.timeline.some((p) => p.deliveredMedian > 0))
  if (ts.length === 0) return undefined
  // a second without deliveries has no latency to draw: the line breaks there instead of dropping to zero
  const points = (t: TransportSummary, of: (p: TransportSummary['timeline'][number]) => number): Array<{ x: number, y: number }> =>
    t.timeline.filter((p) => p.deliveredMedian > 0).map((p) => ({ x: p.second, y: Math.max(1, of(p)) }))
  return {
    id,
    kind: 'timeline',
    title: 'Latency over time (1 s buckets)',
    caption: 'Each point is one second of the measured window by scheduled send time: solid p99 (median over valid rounds), dashed max; a spike is a stall that hit that second, a rising line is a backlog building up.',
    unit: 'µs',
    labels: [],
    series: ts.flatMap((t) => [
      { label: `${t.transport} p99`, color: TRANSPORT_COLORS[t.transport], points: points(t, (p) => p.p99MedianUs) },
      { label: `${t.transport} max`, color: TRANSPORT_COLORS[t.transport], points: points(t, (p) => p.maxUs), dashed: true },
    ]),
    logY: true,
  }
}

/** The evidence charts of one scenario; `baseline` adds the baseline's curves (dashed) to the percentile plot. */
export function scenarioCharts (s: ScenarioSummary, index: number, baseline?: ScenarioSummary): ChartSpec[] {
  const id = (name: string): string => `chart-${index}-${name}`
  const curves: ChartSeries[] = valid(s).map((t) => ({ label: t.transport, color: TRANSPORT_COLORS[t.transport], points: curvePoints(t) }))
  for (const t of baseline === undefined ? [] : valid(baseline)) {
    curves.push({ label: `${t.transport} (baseline)`, color: TRANSPORT_COLORS[t.transport], points: curvePoints(t), dashed: true })
  }
  return [
    {
      id: id('percentiles'),
      kind: 'percentile',
      title: 'Delivery latency by percentile (all valid rounds merged)',
      caption: 'Read left to right: typical latency at 50%, the tail toward 99.99%; lower is better; a curve ends where its sample count stops resolving percentiles.' +
        (baseline === undefined ? '' : ' Dashed: baseline run.'),
      unit: 'µs',
      labels: [],
      series: curves,
      logY: true,
    },
    ...[timelineChart(id('timeline'), s)].filter((c): c is ChartSpec => c !== undefined),
    bars(id('throughput'), s, {
      title: 'Delivered vs target rate (median over rounds)',
      caption: 'Each delivered bar should reach its target bar; a shortfall means the transport did not keep up with the offered load.',
      unit: 'msg/s',
    }, [
      { label: 'delivered', color: '#0072B2', of: (t) => t.metrics.msgs.median },
      { label: 'target', color: '#999999', of: (t) => t.extra.targetPerSec.median },
    ]),
    bars(id('bytes'), s, {
      title: 'Wire bytes per delivered message (steady state)',
      caption: 'Payload is identical for every transport; the stacked overhead (framing, headers, polling requests read back) is what the transport costs.',
      unit: 'B',
      stacked: true,
    }, [
      { label: 'payload', color: '#56B4E9', stack: 'b', of: (t) => t.extra.payloadBytes.median },
      { label: 'overhead', color: '#D55E00', stack: 'b', of: (t) => t.extra.overheadBytes.median },
    ]),
    bars(id('setup'), s, {
      title: 'Setup bytes per connection (handshake and first headers, both directions)',
      caption: 'Paid once per connection (and again on every reconnect); compare with the per-message bytes above to see how fast it amortizes.',
      unit: 'B',
    }, [{ label: 'setup bytes', color: '#009E73', of: (t) => t.extra.setupBytesPerConnection.median }]),
    bars(id('connect'), s, {
      title: 'Connect time (connection start to first usable byte)',
      caption: 'Median and p99 over all connections of the valid rounds merged; lower is better.',
      unit: 'µs',
    }, [
      { label: 'p50', color: '#0072B2', of: (t) => t.connect.p50Us },
      { label: 'p99', color: '#CC79A7', of: (t) => t.connect.p99Us },
    ]),
    bars(id('cpu'), s, {
      title: 'Server CPU per delivered message (user + system)',
      caption: 'Server process CPU time divided by messages delivered; lower means more clients per core.',
      unit: 'µs/msg',
    }, [{ label: 'CPU µs/msg', color: '#E69F00', of: (t) => t.metrics.cpu.median }]),
    bars(id('memory'), s, {
      title: 'Server memory per idle connection',
      caption: 'Growth of server RSS from before the clients connected to after, per client, before any message flowed (older results: RSS over open connections). Noisy with few clients: the garbage collector moves RSS by hundreds of KiB.',
      unit: 'B',
    }, [{ label: 'memory / connection', color: '#999933', of: (t) => t.extra.serverRssPerConnectionBytes.median }]),
  ]
}
