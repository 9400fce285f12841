import { variantLabel } from '../core/wire-variant.ts'
import { variantOf, type RunResult } from '../results/schema.ts'
import { listInvalidRounds, summarizeRun, type ScenarioSummary } from '../results/summary.ts'
import { CLIENT_SCRIPT, STYLES, chartJsSource, cspHash } from './assets.ts'
import { PERCENTILE_TICKS, scenarioCharts } from './charts.ts'
import { capacityHtml } from './capacity.ts'
import { checkRoundClaims } from './claims.ts'
import { baselineHtml, contextHtml } from './context.ts'
import { scenarioEvidenceHtml } from './evidence.ts'
import { variantText } from './format.ts'
import { embedJson, html } from './html.ts'
import { robustnessHtml } from './robustness.ts'
import { bannersHtml, claimsHtml, verdictHtml } from './sections.ts'
import { browserPagesHtml } from './browser-pages.ts'
import { decideVerdicts } from './verdict.ts'
import { firstScreenHtml, firstScreenSentences } from './first-screen.ts'
import { mapCharts, mapHtml } from './map.ts'
import { checkMapClaims } from './map-claims.ts'

/** Run ids of test fixtures start with this; such a report says loudly that it is not a measurement. */
export const FIXTURE_PREFIX = 'fixture-'

/** Options of renderReport. */
export interface RenderOptions {
  /** A run to compare against: adds a change table and dashed baseline curves. */
  readonly baseline?: RunResult
}

/**
 * Renders a run as one self-contained HTML page: verdict first, then evidence, claims, context and the
 * baseline comparison. chart.js is inlined, data is embedded as escaped JSON, and a CSP allows only the
 * page's own scripts, so the file opens offline and makes no request.
 */
export function renderReport (result: RunResult, options: RenderOptions = {}): string {
  const { baseline } = options
  const summaries = summarizeRun(result)
  const baseSummaries = baseline === undefined ? [] : summarizeRun(baseline)
  const invalid = listInvalidRounds(result)
  const verdicts = decideVerdicts(result, summaries)
  // a map run has no rounds: its claims are the ones re-checked across the map
  const claims = [...(result.map === undefined || result.rounds.length > 0 ? checkRoundClaims(result, summaries) : []),
    ...(result.map === undefined ? [] : checkMapClaims(result.map))]
  const isFixture = result.runId.startsWith(FIXTURE_PREFIX)
  const charts = summaries.map((s, i) => scenarioCharts(s, i, baseSummaries.find((b: ScenarioSummary) => b.scenario === s.scenario)))
  const data = { runId: result.runId, percentileTicks: PERCENTILE_TICKS, charts: [...charts.flat(), ...(result.map === undefined ? [] : mapCharts(result.map))] }

  const chartJs = chartJsSource()
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(chartJs)} ${cspHash(CLIENT_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
  const title = `feedbench report (${variantLabel(variantOf(result))}) ${result.runId}${isFixture ? ' (TEST FIXTURE)' : ''}`

  const body = html`<main>
<header>
<h1>Which realtime transport fits this workload?</h1>
<p class="muted">WebSocket, Server-Sent Events, long-polling and short polling, measured on one Fastify server with one data feed, over <strong>${variantText(variantOf(result))}</strong>. Run <code>${result.runId}</code>, ${result.environment.startedAt}, ${result.environment.cpuModel}.</p>
<nav><a href="#pick">What to pick</a><a href="#verdict">Verdict</a>${(result.capacity?.length ?? 0) > 0 ? html`<a href="#capacity">Capacity</a>` : ''}${result.map === undefined ? '' : html`<a href="#map">Map</a>`}<a href="#evidence">Evidence</a><a href="#claims">Claims</a>${baseline === undefined ? '' : html`<a href="#baseline">Baseline</a>`}<a href="#context">Context</a></nav>
${bannersHtml(result, invalid, isFixture)}
</header>
${firstScreenHtml(firstScreenSentences(result, verdicts))}
${verdictHtml(result, verdicts, summaries)}
${capacityHtml(result)}
${mapHtml(result.map)}
<section id="evidence"><h2>Evidence per workload</h2>
<p class="muted">Figures are medians over valid rounds with their intervals in brackets; percentiles come from the rounds' HDR histograms added together, never averaged.</p>
${summaries.map((s, i) => scenarioEvidenceHtml(s, i, charts[i] ?? []))}
</section>
${robustnessHtml(result)}
${browserPagesHtml(result)}
${claimsHtml(claims)}
${baseline === undefined ? '' : baselineHtml(baseline, result)}
${contextHtml(result, invalid)}
<noscript><p>Charts need JavaScript; every figure is also in the tables.</p></noscript>
</main>`

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${html`${title}`.value}</title>
<style>${STYLES}</style>
</head>
<body>
${body.value}
<script type="application/json" id="feedbench-data">${embedJson(data).value}</script>
<script>${chartJs}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`
}
