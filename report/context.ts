import { compare, DEFAULT_THRESHOLD_PCT, type CompareRow } from '../results/compare.ts'
import { METRICS } from '../results/metrics.ts'
import { variantOf, type RunResult } from '../results/schema.ts'
import { listRerunRounds, type InvalidRound } from '../results/summary.ts'
import { isBenchError } from '../core/errors.ts'
import { formatBytes, formatChange, formatNumber, formatUs, variantText } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'
import { clocksHtml } from './clocks.ts'
import { describePinning, instrumentHtml } from './instrument.ts'
import { slug } from './sections.ts'

function transportOptionsText (s: RunResult['scenarios'][number]): string {
  const t = s.transports
  return `ws: permessage-deflate ${t.ws.perMessageDeflate ? 'on' : 'off'}, ping every ${t.ws.heartbeatMs} ms; ` +
    `sse: heartbeat every ${t.sse.heartbeatMs} ms; long-poll: hold ${t.longPoll.holdMs} ms; poll: every ${t.poll.intervalMs} ms`
}

/** Section 4: environment fingerprint, run options, every scenario's full resolved config, INVALID rounds with reasons. */
export function contextHtml (result: RunResult, invalid: readonly InvalidRound[]): SafeHtml {
  const reruns = listRerunRounds(result)
  const env = result.environment
  const envRows: Array<[string, string]> = [
    ['run id', result.runId],
    ['node', env.node], ['os', `${env.os} (${env.arch})`], ['cpu', `${env.cpuModel}, ${env.cores} cores`],
    ['memory', formatBytes(env.totalMemoryBytes)], ['load average (1, 5, 15 min)', env.loadAverage.map((l) => l.toFixed(2)).join(', ')],
    ['git commit', env.gitCommit ?? 'unknown (not a git checkout)'], ['CI', env.ci ? 'yes' : 'no'],
    ['packages', Object.entries(env.packages).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['started / ended', `${env.startedAt} / ${env.endedAt}`],
    ['rounds per transport', String(result.options.rounds)], ['load-generator workers', String(result.options.workers)],
    ['quick run', result.options.quick ? 'yes' : 'no'], ['target', result.options.target ?? 'local servers started by the runner'],
    ['transports', result.options.transports.join(', ')],
    ['cores', describePinning(result.options.cpus)],
    ['TLS and HTTP version', variantText(variantOf(result))],
    ...(result.options.profile === undefined ? [] : [['profile', result.options.profile] as [string, string]]),
    ...(result.options.remoteLoadgens === undefined ? [] : [['remote load generators', `${result.options.remoteLoadgens}, coordinated over the network; counters and histograms added`] as [string, string]]),
    ...((result.options.injectedDelayUs ?? 0) > 0
      ? [['injected slowdown', `TEST MODE: the server delayed every published batch by ${result.options.injectedDelayUs ?? 0} µs; these figures measure the CI gate, not the transports`] as [string, string]]
      : []),
  ]
  const configs = result.scenarios.map((s) => html`<h3>${s.name}</h3>
<p>write policy: <strong>${s.writePolicy}</strong> (the same for every transport); ${transportOptionsText(s)}</p>
<pre>${JSON.stringify(s, null, 2)}</pre>`)
  return html`<section id="context"><h2>Context</h2>
<h3>Environment and run options</h3>
${table(['', 'value'], envRows)}
${instrumentHtml(result)}
${clocksHtml(result)}
<h3 id="invalid">INVALID rounds</h3>
${invalid.length === 0
    ? html`<p>None: every round is valid.</p>`
    : html`<p class="invalid-tag">These rounds are left out of every figure, median and verdict in this report.</p>
${table(['scenario', 'transport', 'round', 'reasons'], invalid.map((r) => [r.scenario, r.transport, String(r.round), html`${r.reasons.map((x) => html`<div>${x}</div>`)}`]), 'invalid-rounds')}`}
<h3 id="reruns">Rounds run once more</h3>
${reruns.length === 0
    ? html`<p>None.</p>`
    : html`<p>Their load generator saturated and nothing was lost, so each was run once more (the next attempt with the same scenario, transport and round replaces it). They are left out of every figure.</p>
${table(['scenario', 'transport', 'round', 'reasons'], reruns.map((r) => [r.scenario, r.transport, String(r.round), html`${r.reasons.map((x) => html`<div>${x}</div>`)}`]), 'rerun-rounds')}`}
<h2 id="config">Full resolved config</h2>
${configs}
</section>`
}

function figure (v: number | null, unit: string): string {
  if (v === null) return '–'
  return unit === 'µs' ? formatUs(v) : `${formatNumber(v)} ${unit}`
}

function rowCells (r: CompareRow): unknown[] {
  return [
    r.scenario, r.transport, r.label,
    figure(r.baseMedian, r.unit), figure(r.headMedian, r.unit),
    r.ratio === null ? '–' : `${formatNumber(r.ratio)}× (${formatChange(r.ratio)})`,
    r.interval === null ? '–' : `${formatNumber(r.interval.lower)}–${formatNumber(r.interval.upper)}×`,
    r.pValue === null ? '–' : formatNumber(r.pValue),
    r.qValue === null ? '–' : formatNumber(r.qValue),
    html`<span class="badge claim-${slug(r.verdict === 'regression' ? 'not confirmed' : r.verdict === 'improvement' ? 'confirmed' : 'not measured')}">${r.verdict}</span>`,
  ]
}

/** Section 5: change table against a baseline run (results/compare: Mann-Whitney U plus bootstrap interval). */
export function baselineHtml (baseline: RunResult, result: RunResult): SafeHtml {
  let rows: readonly CompareRow[]
  try {
    rows = compare(baseline, result, { thresholdPct: DEFAULT_THRESHOLD_PCT, metrics: METRICS.map((m) => m.key) }).rows
      .filter((r) => r.kind === 'absolute')
  } catch (err) {
    if (!isBenchError(err)) throw err
    return html`<section id="baseline"><h2>Change against baseline ${baseline.runId}</h2>
<p class="invalid-tag">Not comparable: ${err.message}</p></section>`
  }
  return html`<section id="baseline"><h2>Change against baseline ${baseline.runId}</h2>
<p>Ratio = this run's median over rounds ÷ the baseline's. Interval: bootstrap 95% interval of that ratio. A change is called a regression or improvement only when the Mann-Whitney U test is significant after adjusting for the ${rows.length} rows compared at once (Benjamini-Hochberg q &lt; 0.05), the interval excludes 1, and the change exceeds ${DEFAULT_THRESHOLD_PCT}%; with too few rounds no verdict is possible. Absolute figures from different machines are not comparable. The baseline's latency curves are drawn dashed in each percentile plot.</p>
${table(['scenario', 'transport', 'metric', 'baseline', 'this run', 'ratio', 'interval', 'p', 'q', 'verdict'], rows.map(rowCells), 'baseline')}
</section>`
}
