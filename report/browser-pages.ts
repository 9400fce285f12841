import type { RunResult } from '../results/schema.ts'
import { formatNumber, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'

/** Columns of the per-page (per-tab) table of runs whose clients ran in Chromium. */
const HEADERS = ['scenario', 'transport', 'round', 'tab', 'loaded over', 'clients', 'first message', 'received', 'clock bound'] as const

/**
 * One row per browser page of every round, valid or not: a tab that received nothing is the finding
 * of the browser-tabs scenario over HTTP/1.1, and that round is INVALID for exactly that loss.
 */
export function browserPageTable (result: RunResult): { headers: readonly string[], rows: string[][] } {
  const rows = result.rounds.flatMap((r) => (r.browser?.pages ?? []).map((p) => [
    r.scenario,
    r.transport,
    String(r.round),
    `${p.page + 1}${p.loadgen > 0 ? ` (generator ${p.loadgen})` : ''}`,
    p.protocol,
    String(p.clients),
    p.firstMessageMs === null ? `nothing in ${formatNumber(runMs(result, r.scenario))} ms` : `${p.firstMessageMs} ms after the start`,
    formatNumber(p.received),
    `± ${formatUs(p.clockBoundUs)}`,
  ]))
  return { headers: HEADERS, rows }
}

/** The per-tab table as an HTML section, empty when no client ran in a browser. */
export function browserPagesHtml (result: RunResult): SafeHtml | string {
  const { headers, rows } = browserPageTable(result)
  if (rows.length === 0) return ''
  return html`<section id="browser-pages"><h2>Browser pages</h2>
<p class="muted">Clients ran in Debian's Chromium. Each tab's first message (ms after the run started) and the envelopes it received; a tab over HTTP/1.1 that waits behind six open streams of its origin receives nothing. Latency is read on each page's clock, aligned to the server's monotonic clock within the bound shown (half the best of its round trips to the server's clock). Wire bytes are not measured for browser clients.</p>
${table(headers, rows)}
</section>`
}

function runMs (result: RunResult, scenario: string): number {
  const s = result.scenarios.find((x) => x.name === scenario)
  return s === undefined ? 0 : s.warmupMs + s.durationMs
}
