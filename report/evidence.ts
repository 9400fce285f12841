import type { ScenarioSummary, TransportSummary } from '../results/summary.ts'
import type { ChartSpec } from './charts.ts'
import { formatBytes, formatCpu, formatNumber, formatPercent, formatRate, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'
import { withInterval } from './sections.ts'

const COUNTERS: ReadonlyArray<readonly [string, (t: TransportSummary) => number]> = [
  ['received', (t) => t.counters.received],
  ['expected', (t) => t.counters.expected],
  ['lost (gaps)', (t) => t.counters.lost],
  ['gap notices from server', (t) => t.counters.gapNotified],
  ['lost by clients cut as slow consumers (explained)', (t) => t.counters.lostToCuts],
  ['slow-consumer cuts seen by clients', (t) => t.counters.slowConsumerCuts],
  ['replayed after a reconnect', (t) => t.counters.replayed],
  ['duplicates', (t) => t.counters.duplicates],
  ['out of order', (t) => t.counters.outOfOrder],
  ['reconnects', (t) => t.counters.reconnects],
  ['resets (server restarted)', (t) => t.counters.resets],
  ['errors', (t) => t.counters.errors],
  ['latency out of histogram range', (t) => t.counters.outOfRange],
  ['upstream sent', (t) => t.counters.upstreamSent],
  ['upstream failed', (t) => t.counters.upstreamFailed],
]

// counters where anything above zero is a correctness problem worth a red mark
const BAD_WHEN_NONZERO = new Set(['lost (gaps)', 'duplicates', 'out of order', 'errors', 'latency out of histogram range', 'upstream failed'])

function num (text: string): SafeHtml {
  return html`<span class="num">${text}</span>`
}

function latencyTable (ts: readonly TransportSummary[]): SafeHtml {
  return table(['transport', 'valid rounds', 'p50', 'p90', 'p99 [interval]', 'p99.9', 'max', 'messages'], ts.map((t) => [
    html`<strong>${t.transport}</strong>`,
    html`${t.validRounds}${t.invalidRounds.length > 0 ? html` <span class="invalid-tag">+${t.invalidRounds.length} INVALID</span>` : ''}`,
    num(withInterval(t.metrics.p50, formatUs)),
    num(formatUs(t.latency.p90Us)),
    num(withInterval(t.metrics.p99, formatUs)),
    num(formatUs(t.latency.p999Us)),
    num(formatUs(t.latency.maxUs)),
    num(formatNumber(t.latency.count)),
  ]))
}

function costTable (ts: readonly TransportSummary[]): SafeHtml {
  return table(['transport', 'delivered [interval] (target, share)', 'bytes / msg (overhead)', 'setup / connection', 'connect p50 / p99', 'server CPU', 'server RSS / connection'], ts.map((t) => [
    html`<strong>${t.transport}</strong>`,
    num(`${withInterval(t.metrics.msgs, formatRate)} (${formatRate(t.extra.targetPerSec.median)}, ${formatPercent(t.extra.deliveredRatio.median)})`),
    t.bytesNotMeasured === undefined ? num(`${formatBytes(t.metrics.bytes.median)} (${formatBytes(t.extra.overheadBytes.median)})`) : html`<span title="${t.bytesNotMeasured}">not measured</span>`,
    t.bytesNotMeasured === undefined ? num(formatBytes(t.extra.setupBytesPerConnection.median)) : html`<span title="${t.bytesNotMeasured}">not measured</span>`,
    num(`${formatUs(t.connect.p50Us)} / ${formatUs(t.connect.p99Us)}`),
    num(withInterval(t.metrics.cpu, formatCpu)),
    num(formatBytes(t.extra.serverRssPerConnectionBytes.median)),
  ]))
}

function countersTable (ts: readonly TransportSummary[]): SafeHtml {
  return table(['counter (valid rounds, summed)', ...ts.map((t) => t.transport)], COUNTERS.map(([label, of]) => [
    label,
    ...ts.map((t) => {
      const v = of(t)
      return BAD_WHEN_NONZERO.has(label) && v > 0 ? html`<strong class="invalid-tag">${formatNumber(v)}</strong>` : num(formatNumber(v))
    }),
  ]), 'counters')
}

function chartHtml (spec: ChartSpec): SafeHtml {
  return html`<figure class="chart${spec.kind === 'bar' ? '' : ' wide'}"><h4>${spec.title}</h4>
<div class="chart-box"><canvas id="${spec.id}" role="img" aria-label="${spec.title}">${spec.title}: the figures are in the tables.</canvas></div>
<figcaption>${spec.caption}</figcaption></figure>`
}

/** Section 2, one scenario: key-figure tables, charts with captions, correctness counters, its INVALID rounds. */
export function scenarioEvidenceHtml (s: ScenarioSummary, index: number, charts: readonly ChartSpec[]): SafeHtml {
  const valid = s.transports.filter((t) => t.validRounds > 0)
  const invalid = s.transports.flatMap((t) => t.invalidRounds)
  return html`<section class="scenario" id="scenario-${index}"><h3>${s.scenario}</h3>
${invalid.length > 0
    ? html`<p class="invalid-tag">INVALID rounds left out here: ${invalid.map((r) => `${r.transport} round ${r.round}`).join(', ')} (reasons under Context).</p>`
    : ''}
${valid.length === 0
    ? html`<p class="invalid-tag">No valid rounds: nothing to show for this workload.</p>`
    : html`${latencyTable(valid)}${costTable(valid)}
<div class="charts">${charts.map(chartHtml)}</div>
<h4>Correctness counters</h4>
<p class="muted">Lost, duplicate and out-of-order messages should all be zero; reconnects and gap notices explain loss only when they match it.</p>
${countersTable(valid)}`}
</section>`
}
