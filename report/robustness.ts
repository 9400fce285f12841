import type { RampResult, RoundResult, RunResult } from '../results/schema.ts'
import { mergeRoundHistograms } from '../results/summary.ts'
import { summarizeHistogram } from '../core/histogram.ts'
import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { formatBytes, formatNumber, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'

/** A plain-text table: headers and rows of cell texts, rendered by the terminal and the HTML report alike. */
export interface TextTable {
  readonly headers: readonly string[]
  readonly rows: ReadonlyArray<readonly string[]>
}

/** Why a scenario was not run on a transport, or undefined when it was not skipped. */
export function skippedReason (result: RunResult, scenario: string, transport: TransportName): string | undefined {
  return result.skipped?.find((s) => s.scenario === scenario && s.transport === transport)?.reason
}

/** The client ramp of a (scenario, transport), when the run has one. */
export function rampOf (result: RunResult, scenario: string, transport: TransportName): RampResult | undefined {
  return result.ramps?.find((r) => r.scenario === scenario && r.transport === transport)
}

/** "max 15,000 clients at p99 < 500 ms", or why no step passed. */
export function rampVerdictText (ramp: RampResult): string {
  const limit = formatUs(ramp.p99LimitUs)
  if (ramp.maxClientsUnderLimit === null) return `no step passed (p99 < ${limit}): ${ramp.steps[0]?.reasons.join('; ') ?? 'no step ran'}`
  return `max ${formatNumber(ramp.maxClientsUnderLimit)} clients at p99 < ${limit}`
}

/** Every transport that has rounds, a ramp or a skip in the run, in registry order. */
export function transportsOf (result: RunResult): TransportName[] {
  const seen = new Set<TransportName>([
    ...result.rounds.map((r) => r.transport),
    ...(result.skipped ?? []).map((s) => s.transport),
    ...(result.ramps ?? []).map((r) => r.transport),
  ])
  return TRANSPORT_NAMES.filter((t) => seen.has(t))
}

const FAULT_HEADERS = ['scenario', 'transport', 'server drops', 'restarts (resets)', 'reconnects', 'recover p50 / p99', 'replayed', 'duplicates',
  'lost', 'unexplained', 'slow cuts (clients / server)'] as const

/**
 * Per (scenario, transport) of the scenarios that inject faults (dropped connections, server restarts, slow clients),
 * summed over all its rounds, INVALID ones included: what the fault did and how each transport recovered.
 */
export function faultTable (result: RunResult): TextTable {
  const faulty = new Set(result.scenarios.filter((s) => s.faults.dropSharePerSec > 0 || s.faults.slowClients > 0 || s.faults.restartAtMs > 0).map((s) => s.name))
  const rows: string[][] = []
  for (const scenario of faulty) {
    for (const transport of TRANSPORT_NAMES) {
      const rounds = result.rounds.filter((r) => r.scenario === scenario && r.transport === transport)
      if (rounds.length > 0) rows.push(faultRow(scenario, transport, rounds))
    }
  }
  return { headers: FAULT_HEADERS, rows }
}

function faultRow (scenario: string, transport: TransportName, rounds: readonly RoundResult[]): string[] {
  const total = (of: (r: RoundResult) => number): number => rounds.reduce((sum, r) => sum + of(r), 0)
  const recovered = rounds.filter((r) => r.histograms.recover !== undefined)
  const recover = summarizeHistogram(mergeRoundHistograms(recovered, (r) => r.histograms.recover ?? ''))
  const lost = total((r) => r.counters.lost)
  const unexplained = total((r) => r.counters.lost - r.counters.gapNotified - (r.counters.lostToCuts ?? 0))
  return [
    scenario,
    transport,
    formatNumber(total((r) => r.server.faultDrops ?? 0)),
    `${formatNumber(total((r) => r.restart === undefined ? 0 : 1))} (${formatNumber(total((r) => r.counters.resets))})`,
    formatNumber(total((r) => r.counters.reconnects)),
    recover.count === 0 ? '–' : `${formatUs(recover.p50Us)} / ${formatUs(recover.p99Us)}`,
    formatNumber(total((r) => r.counters.replayed ?? 0)),
    formatNumber(total((r) => r.counters.duplicates)),
    formatNumber(lost),
    formatNumber(unexplained),
    `${formatNumber(total((r) => r.counters.slowConsumerCuts ?? 0))} / ${formatNumber(total((r) => r.server.slowConsumerCuts))}`,
  ]
}

const RAMP_HEADERS = ['scenario', 'transport', 'clients', 'connects/s', 'p50', 'p99', 'delivered msg/s (target)', 'server RSS', 'memory / connection', 'step'] as const

/** One row per ramp step: what each step measured, and why the ramp ended. */
export function rampTable (result: RunResult): TextTable {
  const ramps = [...result.ramps ?? []].sort((a, b) => TRANSPORT_NAMES.indexOf(a.transport) - TRANSPORT_NAMES.indexOf(b.transport))
  const rows = ramps.flatMap((ramp) => ramp.steps.map((step) => [
    ramp.scenario,
    ramp.transport,
    formatNumber(step.clients),
    step.connectRatePerSec === undefined ? '–' : formatNumber(step.connectRatePerSec),
    step.p50Us === undefined ? '–' : formatUs(step.p50Us),
    step.p99Us === undefined ? '–' : formatUs(step.p99Us),
    step.deliveredPerSec === undefined ? '–' : `${formatNumber(step.deliveredPerSec)} (${formatNumber(step.targetPerSec ?? Number.NaN)})`,
    step.serverRssBytes === undefined ? '–' : formatBytes(step.serverRssBytes),
    step.memoryPerConnectionBytes === undefined ? '–' : formatBytes(step.memoryPerConnectionBytes),
    step.status === 'passed' ? 'passed' : `${step.status}: ${step.reasons.join('; ')}`,
  ]))
  return { headers: RAMP_HEADERS, rows }
}

/** The faults and client-ramp section of the HTML report; empty when the run has neither. */
export function robustnessHtml (result: RunResult): SafeHtml {
  const faults = faultTable(result)
  const ramps = rampTable(result)
  if (faults.rows.length === 0 && ramps.rows.length === 0) return html``
  return html`<section id="robustness"><h2>Faults and scale</h2>
${faults.rows.length === 0
    ? ''
    : html`<h3>Injected faults</h3>
<p class="muted">Summed over all rounds, INVALID ones included. Server drops: client connections whose TCP socket the server destroyed on purpose. Restarts: rounds whose server the runner killed and replaced mid-run, with the epoch changes (resets) clients saw; such a round is reconciled against the new epoch only, and what the old server published but never delivered is unknowable. Replayed: messages delivered after a reconnect that were published before the client noticed the drop (recovered from the server's ring). Unexplained: lost minus gap notices minus what clients cut as slow consumers missed after they stopped reading; anything above zero makes a round INVALID.</p>
${table(faults.headers, faults.rows, 'faults')}`}
${ramps.rows.length === 0
    ? ''
    : html`<h3>Client ramps</h3>
<p class="muted">Each step is a fresh server and load generator with that many clients. The ramp ends at the first step that fails (INVALID round, connection errors, or a p99 at or above the limit); steps above what ulimit -n allows are skipped. Memory per connection is the server's RSS growth while the clients connected, before any message.</p>
${table(ramps.headers, ramps.rows, 'ramps')}`}
</section>`
}
