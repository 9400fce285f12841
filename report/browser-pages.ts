import type { RunResult } from '../results/schema.ts'
import type { ClaimCheck } from './claims.ts'
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

/** Connections per origin a browser keeps over HTTP/1.1 (Chromium, Firefox, Safari). */
const HTTP1_CONNECTIONS_PER_ORIGIN = 6

/**
 * "SSE over HTTP/1.1 is limited to six connections per origin in browsers", decided from SSE rounds
 * whose clients ran in more than six tabs of one browser (the browser-tabs scenario); undefined when
 * the run has none. Over HTTP/1.1 it holds when the first six tabs received and every later one
 * received nothing; rounds over h2 are listed beside it (all tabs share one connection there).
 */
export function checkTabsClaim (result: RunResult): ClaimCheck | undefined {
  const rounds = result.rounds.filter((r) => r.transport === 'sse' && (r.browser?.pages.length ?? 0) > HTTP1_CONNECTIONS_PER_ORIGIN &&
    r.browser?.pages.every((p) => p.loadgen === 0 && p.clients === 1))
  if (rounds.length === 0) return undefined
  const outcomes: boolean[] = []
  const evidence = rounds.map((r) => {
    const pages = [...(r.browser?.pages ?? [])].sort((a, b) => a.page - b.page)
    const silent = pages.filter((p) => p.received === 0).map((p) => p.page + 1)
    const overs = [...new Set(pages.map((p) => p.protocol))].join(', ')
    const figure = `${r.scenario} round ${r.round} over ${overs}: ${pages.length} tabs, ` +
      (silent.length === 0 ? 'every tab received' : `tab${silent.length > 1 ? 's' : ''} ${silent.join(', ')} received nothing`)
    if (!pages.every((p) => p.protocol === 'http/1.1')) return `${figure} (not HTTP/1.1: not judged)`
    const holds = pages.every((p, i) => (i < HTTP1_CONNECTIONS_PER_ORIGIN ? p.received > 0 : p.received === 0))
    outcomes.push(holds)
    return `${figure}${holds ? ' (holds)' : ' (does not hold)'}`
  })
  return {
    claim: 'SSE over HTTP/1.1 is limited to six connections per origin in browsers.',
    rule: `Decided from SSE rounds with more than ${HTTP1_CONNECTIONS_PER_ORIGIN} tabs of one browser context (browser-tabs, --clients-in chromium) loaded over HTTP/1.1: ` +
      `holds when the first ${HTTP1_CONNECTIONS_PER_ORIGIN} tabs received and every later tab received nothing for the whole run. Rounds over h2 are listed, not judged.`,
    status: outcomes.length === 0 ? 'not measured' : outcomes.every(Boolean) ? 'confirmed' : outcomes.some(Boolean) ? 'depends on workload' : 'not confirmed',
    evidence,
  }
}
