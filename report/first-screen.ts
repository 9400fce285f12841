import type { ScenarioConfig } from '../core/config.ts'
import type { RunResult } from '../results/schema.ts'
import { formatCores, formatNumber, formatUs } from './format.ts'
import { html, type SafeHtml } from './html.ts'
import { formatHeadroom, type ScenarioVerdict, type VerdictCell } from './verdict.ts'

/** "ticker, 20 clients at 200 msg/s": the workload's load in a few words. */
export function describeLoad (config: ScenarioConfig): string {
  const clients = `${config.clients.toLocaleString('en-US')} client${config.clients === 1 ? '' : 's'}`
  const rate = `${formatNumber(config.ratePerSec)} msg/s`
  switch (config.pattern) {
    case 'broadcast': return `${config.name}, ${clients} at ${rate}`
    case 'per-client': return `${config.name}, ${clients} at ${rate} each`
    case 'chat': return `${config.name}, ${clients} each sending ${rate}`
    case 'request-response': return `${config.name}, ${clients} each sending ${formatNumber(config.ratePerSec)} requests/s`
  }
}

/** What a cell that is not the pick says in one clause: its cost when it fits, what it missed otherwise. */
function otherClause (c: VerdictCell, best: VerdictCell | undefined): string {
  const cores = c.cost?.per10k.serverCores.median ?? Number.NaN
  if (c.fit === 'fits') {
    const tie = c.inCostTie ? ` (a tie with ${best?.transport ?? 'the pick'} within the intervals)` : ''
    return `${c.transport} costs ${formatCores(cores)}${tie}`
  }
  if (c.fit === 'no verdict') return `${c.transport} has no valid round`
  // the first clause of each reason: "misses the SLO", "misses the headroom", "lost 3 messages"
  return `${c.transport} ${c.reasons.map((r) => r.split(':')[0] ?? r).join(' and ')}`
}

/**
 * One sentence per workload, for the top of the report and of the terminal summary: what to pick, why,
 * with the figure, and what the others cost or missed. From the verdict only, so it cannot disagree with
 * the matrix below it.
 */
export function firstScreenSentences (result: RunResult, verdicts: readonly ScenarioVerdict[]): string[] {
  return verdicts.flatMap((v) => {
    const config = result.scenarios.find((s) => s.name === v.scenario)
    if (config === undefined || v.cells.length === 0) return []
    const best = v.cells.find((c) => c.fit === 'best')
    // transports the run cannot tell from the pick on cost or p99 are named with it, not after it
    const tiedWithBest = best?.inFullTie === true ? v.cells.filter((c) => c !== best && c.inFullTie) : []
    const others = v.cells.filter((c) => c !== best && !tiedWithBest.includes(c)).map((c) => otherClause(c, best))
    const slo = `p99 ≤ ${formatUs(v.sloP99Us)}`
    if (v.cells.every((c) => c.fit === 'no verdict')) return [`${describeLoad(config)}: no verdict — no transport has a valid round (see the INVALID rounds).`]
    if (best === undefined) return [`${describeLoad(config)}: nothing fits (${slo}, ≥ 2× headroom, nothing lost) — ${others.join('; ')}.`]
    const cores = formatCores(best.cost?.per10k.serverCores.median ?? Number.NaN)
    const headroom = best.headroom === null ? '' : ` with ${formatHeadroom(best.headroom)}`
    const rest = others.length > 0 ? `; ${others.join('; ')}` : ''
    if (tiedWithBest.length > 0) {
      const names = [best, ...tiedWithBest].map((c) => c.transport).join(' or ')
      const theirs = tiedWithBest.map((c) => `${c.transport} at ${formatCores(c.cost?.per10k.serverCores.median ?? Number.NaN)}`).join(', ')
      return [`${describeLoad(config)}: ${names} — a tie (cost and p99 within this run's intervals of each other): ${best.transport} meets ${slo}${headroom} at ${cores} per 10k users, ${theirs}${rest}.`]
    }
    const tie = best.inCostTie ? ' (cost tied within the intervals; lowest p99 of the tied)' : ''
    return [`${describeLoad(config)}: ${best.transport} — meets ${slo}${headroom} at ${cores} per 10k users${tie}${rest}.`]
  })
}

/** The report's first screen: one sentence per workload, before the matrix. Empty when no workload has a verdict. */
export function firstScreenHtml (sentences: readonly string[]): SafeHtml {
  if (sentences.length === 0) return html``
  return html`<section id="pick"><h2>What to pick</h2>
<ul class="first-screen">${sentences.map((s) => html`<li>${s}</li>`)}</ul>
<p class="muted">Costs are server cores per 10,000 users at each workload's per-user rate; the matrix below has the intervals, memory and egress, the rules, and every transport's figures.</p>
</section>`
}
