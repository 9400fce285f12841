import type { RoundResult, RunResult } from '../results/schema.ts'
import { formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'

/** Above this share of a round's p50, a clock's error bound makes its one-way figures not comparable. */
export const CLOCK_BOUND_SHARE_OF_P50 = 0.1

/** Why a round's one-way latency figures are not comparable (null: they are, or every generator shared the server's clock). */
export function oneWayNotComparable (round: RoundResult): string | null {
  const worst = (round.clocks ?? []).reduce<{ worker: number, boundUs: number } | null>((w, c) => w === null || c.boundUs > w.boundUs ? c : w, null)
  if (worst === null || worst.boundUs <= CLOCK_BOUND_SHARE_OF_P50 * round.latency.p50Us) return null
  return `load generator ${worst.worker}'s clock is known to ± ${formatUs(worst.boundUs)}, more than ${CLOCK_BOUND_SHARE_OF_P50 * 100}% of the p50 (${formatUs(round.latency.p50Us)})`
}

/** Context subsection: every remote generator's clock offset and error bound per round, and whether one-way figures stand. */
export function clocksHtml (result: RunResult): SafeHtml {
  const rounds = result.rounds.filter((r) => (r.clocks ?? []).length > 0)
  if (rounds.length === 0) return html``
  const rows = rounds.flatMap((r) => {
    const verdict = oneWayNotComparable(r)
    return (r.clocks ?? []).map((c) => [r.scenario, r.transport, r.status === 'valid' ? String(r.round) : `${r.round} (${r.status})`, String(c.worker),
      formatUs(c.offsetUs), `± ${formatUs(c.boundUs)}`, formatUs(r.latency.p50Us),
      verdict === null ? 'comparable' : html`<span class="invalid-tag">not comparable</span>`])
  })
  return html`<h3 id="clocks">Clocks across hosts</h3>
<p>Each remote load generator estimated its offset to the server's clock before every round (the request/answer exchange with the
smallest round trip; the bound is half that round trip) and corrected its latencies by it. Where a bound exceeds
${CLOCK_BOUND_SHARE_OF_P50 * 100}% of the round's p50, its one-way figures (delivery latency) are not comparable; round-trip figures
(request-response, chat echo to the sender) do not depend on the offset and stand.</p>
${table(['scenario', 'transport', 'round', 'generator', 'offset (server − generator)', 'error bound', 'p50 one-way', 'one-way figures'], rows, 'clocks')}`
}
