import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import type { MapPoint, MapResult } from '../results/schema.ts'
import { TRANSPORT_COLORS, type ChartSpec } from './charts.ts'
import { formatBytes, formatNumber, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'

/** What the map charts and compares, per point. */
export type MapMetric = 'cpu' | 'bytes' | 'p99'

const METRICS: ReadonlyArray<{ key: MapMetric, title: string, unit: string, of: (p: MapPoint, serverCores: number) => number | undefined }> = [
  { key: 'cpu', title: 'Server CPU (share of its core)', unit: '%', of: (p, cores) => p.serverCpuCores === undefined ? undefined : p.serverCpuCores / cores * 100 },
  { key: 'bytes', title: 'Wire bytes per second, both directions', unit: 'B/s', of: (p) => p.downBytesPerSec === undefined ? undefined : p.downBytesPerSec + (p.upBytesPerSec ?? 0) },
  { key: 'p99', title: 'Delivery p99', unit: 'µs', of: (p) => p.p99Us },
]

/** A crossover two measured points bracket: between rates lowRate and highRate, transport `a` goes from below `b` to above it. */
export interface Crossover {
  readonly clients: number
  readonly metric: MapMetric
  /** Lower than `b` at lowRate, higher at highRate. */
  readonly a: TransportName
  readonly b: TransportName
  readonly lowRate: number
  readonly highRate: number
  /** Where the two lines cross when drawn straight on log axes between the two measured rates: an estimate, not a measurement. */
  readonly aboutRate: number
  readonly low: { readonly a: number, readonly b: number }
  readonly high: { readonly a: number, readonly b: number }
}

/** Two points are in a different order only when they differ by more than this share (the claims' margin): closer is noise. */
export const CROSSOVER_MARGIN = 0.10
/** A p99 from fewer deliveries is the largest few samples, not a percentile: such points state no p99 crossover. */
export const MIN_P99_SAMPLES = 100

function measured (map: MapResult, transport: TransportName, clients: number, metric: MapMetric): Map<number, number> {
  const of = METRICS.find((m) => m.key === metric)?.of
  const values = new Map<number, number>()
  for (const p of map.points) {
    if (p.transport !== transport || p.clients !== clients || p.status !== 'measured') continue
    if (metric === 'p99' && (p.latencySamples ?? 0) < MIN_P99_SAMPLES) continue
    const v = of?.(p, map.serverCores)
    if (v !== undefined && v > 0) values.set(p.ratePerSec, v)
  }
  return values
}

/**
 * Every crossover the measured points show: for each connection count, metric and pair of transports,
 * consecutive rates measured for both where the order of the two changes, by more than
 * CROSSOVER_MARGIN at both rates (p99 only from points of at least MIN_P99_SAMPLES deliveries). Nothing
 * is stated outside measured points, and a point that was not measured for both breaks the pair of neighbours.
 */
export function findCrossovers (map: MapResult): Crossover[] {
  const found: Crossover[] = []
  const transports = TRANSPORT_NAMES.filter((t) => map.points.some((p) => p.transport === t))
  for (const clients of map.clients) {
    for (const { key } of METRICS) {
      for (const [i, x] of transports.entries()) {
        for (const y of transports.slice(i + 1)) {
          const vx = measured(map, x, clients, key)
          const vy = measured(map, y, clients, key)
          const rates = [...vx.keys()].filter((r) => vy.has(r)).sort((p, q) => p - q)
          for (let k = 1; k < rates.length; k++) {
            const r1 = rates[k - 1] as number
            const r2 = rates[k] as number
            const d1 = Math.log((vx.get(r1) as number) / (vy.get(r1) as number))
            const d2 = Math.log((vx.get(r2) as number) / (vy.get(r2) as number))
            if (Math.sign(d1) === Math.sign(d2) || Math.abs(d1) <= Math.log1p(CROSSOVER_MARGIN) || Math.abs(d2) <= Math.log1p(CROSSOVER_MARGIN)) continue
            const [a, b] = d1 < 0 ? [x, y] : [y, x]
            const va = d1 < 0 ? vx : vy
            const vb = d1 < 0 ? vy : vx
            // log ratio straight between the two rates on a log axis: zero at this fraction of the way
            const t = d1 / (d1 - d2)
            found.push({
              clients,
              metric: key,
              a,
              b,
              lowRate: r1,
              highRate: r2,
              aboutRate: Math.exp(Math.log(r1) + t * (Math.log(r2) - Math.log(r1))),
              low: { a: va.get(r1) as number, b: vb.get(r1) as number },
              high: { a: va.get(r2) as number, b: vb.get(r2) as number },
            })
          }
        }
      }
    }
  }
  return found
}

function formatMetric (metric: MapMetric, v: number): string {
  if (metric === 'cpu') return `${formatNumber(v)} %`
  if (metric === 'bytes') return `${formatBytes(v)}/s`
  return formatUs(v)
}

/** A crossover in one sentence, with the two measured points that bracket it. */
export function crossoverText (c: Crossover, map: MapResult): string {
  const what = c.metric === 'cpu' ? 'costs less server CPU than' : c.metric === 'bytes' ? 'puts fewer bytes on the wire than' : 'has a lower p99 than'
  const about = `about ${formatNumber(Number(c.aboutRate.toPrecision(2)))} msg/s per client`
  const a = c.a === 'poll' ? `poll (every ${formatNumber(map.pollIntervalMs / 1000)} s)` : c.a
  return `At ${c.clients.toLocaleString('en-US')} connections, below ${about} ${a} ${what} ${c.b}; above it, the other way round ` +
    `(measured: at ${formatNumber(c.lowRate)} msg/s ${c.a} ${formatMetric(c.metric, c.low.a)} vs ${c.b} ${formatMetric(c.metric, c.low.b)}; ` +
    `at ${formatNumber(c.highRate)} msg/s ${formatMetric(c.metric, c.high.a)} vs ${formatMetric(c.metric, c.high.b)}; the crossing point is interpolated on log axes).`
}

/** The map's charts: per connection count and metric, one line per transport against the per-client rate, both axes logarithmic. */
export function mapCharts (map: MapResult): ChartSpec[] {
  const transports = TRANSPORT_NAMES.filter((t) => map.points.some((p) => p.transport === t))
  return map.clients.flatMap((clients) => METRICS.map(({ key, title, unit }) => ({
    id: `map-${clients}-${key}`,
    kind: 'map' as const,
    title: `${title} at ${clients.toLocaleString('en-US')} connections`,
    caption: 'Each dot is one measured round; the lines between dots are drawn, not measured. Both axes are logarithmic.',
    unit,
    labels: [],
    series: transports.map((t) => ({
      label: t,
      color: TRANSPORT_COLORS[t],
      points: [...measured(map, t, clients, key).entries()].sort((p, q) => p[0] - q[0]).map(([x, y]) => ({ x, y: Number(y.toPrecision(4)) })),
    })),
    logY: true,
  })))
}

/** Every point as text rows, for the terminal and the HTML table. */
export function mapTable (map: MapResult): { headers: string[], rows: string[][] } {
  const rows = map.points.map((p) => [
    formatNumber(p.clients),
    `${formatNumber(p.ratePerSec)} msg/s`,
    p.transport,
    p.serverCpuCores === undefined ? '–' : `${formatNumber(p.serverCpuCores / map.serverCores * 100)} %`,
    p.downBytesPerSec === undefined ? '–' : `${formatBytes(p.downBytesPerSec)}/s`,
    p.upBytesPerSec === undefined ? '–' : `${formatBytes(p.upBytesPerSec)}/s`,
    p.p99Us === undefined ? '–' : `${formatUs(p.p99Us)} (${formatNumber(p.latencySamples ?? 0)} deliveries)`,
    p.memoryPerConnectionBytes === undefined ? '–' : formatBytes(p.memoryPerConnectionBytes),
    p.status === 'measured' ? 'measured' : `${p.status}: ${p.reasons.join('; ')}`,
  ])
  return { headers: ['connections', 'rate per client', 'transport', 'server CPU', 'bytes/s down', 'bytes/s up', 'p99', 'memory/connection', 'status'], rows }
}

/** What every point of the map shares, in one paragraph. */
export function mapConditions (map: MapResult): string {
  const heartbeatNote = map.heartbeatMs > map.warmupMs + map.durationMs
    ? ` The ws ping and SSE comment every ${formatNumber(map.heartbeatMs / 1000)} s is longer than a point's run (${formatNumber((map.warmupMs + map.durationMs) / 1000)} s), so heartbeat traffic is not in these figures.`
    : ''
  return `One stream per client at the point's rate, ${map.payloadBytes} B payloads, poll every ${formatNumber(map.pollIntervalMs / 1000)} s, long-poll held up to ${formatNumber(map.longPollHoldMs / 1000)} s, ` +
    `${formatNumber(map.durationMs / 1000)} s window after ${formatNumber(map.warmupMs / 1000)} s warm-up, network ${map.network}; server CPU is its share of ${map.serverCores === 1 ? 'its core' : `its ${map.serverCores} cores`}, ` +
    `without the publisher clock's precision cost. At low rates few messages fall in a window: p99 then rests on the deliveries counted beside it.${heartbeatNote} ` +
    `The map took ${formatNumber(map.elapsedMs / 60_000)} min${map.timeCapHit ? ' and the time budget ran out: points not run are listed' : ''}.`
}

/** The map section of the HTML report; empty without a map. */
export function mapHtml (map: MapResult | undefined): SafeHtml {
  if (map === undefined) return html``
  const crossovers = findCrossovers(map)
  const points = mapTable(map)
  return html`<section id="map"><h2>Workload map</h2>
<p class="muted">${mapConditions(map)}</p>
<h3>Crossovers the measured points bracket</h3>
${crossovers.length === 0
    ? html`<p>None: at every connection count the transports kept their order between measured rates.</p>`
    : html`<ul>${crossovers.map((c) => html`<li>${crossoverText(c, map)}</li>`)}</ul>`}
<div class="charts">${mapCharts(map).map((c) => html`<figure class="chart"><h4>${c.title}</h4><div class="chart-box"><canvas id="${c.id}" role="img" aria-label="${c.title}"></canvas></div><figcaption>${c.caption}</figcaption></figure>`)}</div>
<h3>Every point</h3>
${table(points.headers, points.rows, 'map-points')}
</section>`
}
