import type { RunResult } from '../results/schema.ts'
import type { InvalidRound, MedianInterval, ScenarioSummary } from '../results/summary.ts'
import type { ClaimCheck } from './claims.ts'
import { formatBytes, formatCores, formatGbPerMonth, formatPercent, formatRate, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'
import { rampOf, rampVerdictText, skippedReason, transportsOf } from './robustness.ts'
import { describeConfidence, formatHeadroom, verdictRulesText, type ScenarioVerdict, type VerdictCell } from './verdict.ts'

/** CSS class suffix of a status text: 'no verdict' → 'no-verdict'. */
export function slug (text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-')
}

/** "1.23 ms [1.10–1.41 ms]": a median with its interval. */
export function withInterval (i: MedianInterval, format: (n: number) => string): string {
  if (i.n === 0) return '–'
  const [median, lo, hi] = [format(i.median), format(i.lo), format(i.hi)]
  if (i.n === 1 || lo === hi) return median
  // "29.6 µs/msg [18.6–30 µs/msg]": the unit once when both bounds share it
  const unit = median.slice(median.lastIndexOf(' '))
  return `${median} [${lo.endsWith(unit) && hi.endsWith(unit) ? lo.slice(0, -unit.length) : lo}–${hi}]`
}

/** The top banners: fixture warning, INVALID rounds, or a clean bill. */
export function bannersHtml (result: RunResult, invalid: readonly InvalidRound[], isFixture: boolean): SafeHtml {
  return html`${isFixture
    ? html`<div class="banner fixture" role="note"><strong>TEST FIXTURE.</strong> This file was built from synthetic values by the test suite. It is not a measurement; do not draw conclusions from it.</div>`
    : ''}
${invalid.length > 0
    ? html`<div class="banner invalid" role="alert"><strong>${invalid.length} INVALID round${invalid.length === 1 ? '' : 's'}.</strong> Their numbers cannot be trusted and are left out of every figure below. <a href="#invalid">See why</a>.</div>`
    : result.valid
      ? html`<div class="banner ok">Every round is valid and reconciled.</div>`
      : html`<div class="banner invalid" role="alert"><strong>This run is not valid</strong> (server and client counts did not reconcile); figures below may not be trustworthy.</div>`}`
}

function cellHtml (cell: VerdictCell): SafeHtml {
  const cost = cell.cost
  return html`<span class="badge fit-${slug(cell.fit)}">${cell.fit}</span>
<div class="cell-figure">p99 ${withInterval(cell.p99, formatUs)}</div>
${Number.isFinite(cell.ratioToSlo) ? html`<div class="cell-note">SLO p99 ≤ ${formatUs(cell.sloP99Us)}: ${cell.ratioToSlo <= 1 ? 'met' : 'missed'} (${formatPercent(cell.ratioToSlo)} of it)</div>` : ''}
${cost === null || cost.validRounds === 0
    ? ''
    : html`<div class="cell-figure">${withInterval(cost.per10k.serverCores, formatCores)} per 10k users</div>
<div class="cell-note">${cost.memory.measured ? `memory ${withInterval(cost.memory.per10kBytes, formatBytes)} per 10k users` : `memory: ${cost.memory.reason}`}</div>
<div class="cell-note">egress ${withInterval(cost.per10k.egressGbPerMonth, formatGbPerMonth)} per 10k users</div>`}
${cell.headroom === null ? '' : html`<div class="cell-note">${formatHeadroom(cell.headroom)}</div>`}
<div class="cell-note">${describeConfidence(cell.p99)}</div>
${cell.reasons.map((r) => html`<div class="${cell.fit === 'poor' || cell.fit === 'no verdict' ? 'cell-reason' : 'cell-note'}">${r}</div>`)}`
}

/** Section 1: the question, the rules in words, and the workload × transport matrix. */
export function verdictHtml (result: RunResult, verdicts: readonly ScenarioVerdict[], summaries: readonly ScenarioSummary[]): SafeHtml {
  const transports = transportsOf(result)
  const rows = verdicts.map((v) => {
    const config = result.scenarios.find((s) => s.name === v.scenario)
    const target = summaries.find((s) => s.scenario === v.scenario)?.transports[0]?.extra.targetPerSec.median
    const workload = html`<strong>${v.scenario}</strong><div class="cell-note">${config?.description ?? ''}</div>
<div class="cell-note">${config === undefined ? '' : `${config.pattern}, ${config.clients} clients, ${config.payloadBytes} B payload`}${target === undefined || !Number.isFinite(target) ? '' : `, ${formatRate(target)} to deliver`}</div>
${config === undefined ? '' : html`<div class="cell-note">SLO: p99 ≤ ${formatUs(config.slo.p99Ms * 1000)}${config.slo.why === '' ? '' : ` (${config.slo.why})`}</div>`}`
    return [workload, ...transports.map((t) => {
      const cell = v.cells.find((c) => c.transport === t)
      if (cell !== undefined) return cellHtml(cell)
      const ramp = rampOf(result, v.scenario, t)
      if (ramp !== undefined) return html`<span class="badge">ramp</span><div class="cell-figure">${rampVerdictText(ramp)}</div><div class="cell-note"><a href="#robustness">steps</a></div>`
      const reason = skippedReason(result, v.scenario, t)
      return reason === undefined ? html`<span class="muted">not run</span>` : html`<span class="muted">n/a: ${reason}</span>`
    })]
  })
  return html`<section id="verdict"><h2>Verdict: which transport fits which workload</h2>
<p>Computed from this run's numbers only, by these rules:</p>
<ol class="rules">${verdictRulesText().map((r) => html`<li>${r}</li>`)}</ol>
${table(['workload', ...transports], rows, 'verdict-matrix')}
<p class="muted">Intervals are distribution-free intervals of the median over rounds (order statistics); with fewer than 6 valid rounds they are min–max with the coverage shown. Latencies are one-way, from the scheduled send time (no coordinated omission). Cost per 10k users scales the measured round linearly from its clients to 10,000 at the workload's per-user rate: server cores busy (the server process's fixed cost is shared by the round's clients, so few clients overstate it), server memory per idle connection (measured only with 1,000 connections or more), and egress (server → client bytes on the wire) over a 30-day month, GB = 10⁹ B.</p>
</section>`
}

/** Section 3: the common claims with the measured figures and a status. */
export function claimsHtml (claims: readonly ClaimCheck[]): SafeHtml {
  const rows = claims.map((c) => [
    html`<strong>${c.claim}</strong><div class="cell-note">${c.rule}</div>`,
    html`<span class="badge claim-${slug(c.status)}">${c.status}</span>`,
    html`${c.evidence.map((e) => html`<div>${e}</div>`)}`,
  ])
  return html`<section id="claims"><h2>Claims checked against this run</h2>
<p>Each common claim about these transports, the rule that decides it, and the measured figures. "depends on workload" means it held in some workloads and not in others.</p>
${table(['claim and rule', 'status', 'measured'], rows, 'claims')}
</section>`
}
