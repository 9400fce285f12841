import { TRANSPORT_NAMES } from '../core/wire-protocol.ts'
import type { CapacityResult, RunResult } from '../results/schema.ts'
import { formatBytes, formatNumber, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'

/** A table as header and rows of text, for the terminal and the HTML report alike. */
export interface CapacityTable {
  readonly headers: readonly string[]
  readonly rows: ReadonlyArray<readonly string[]>
}

const LIMIT_NAMES: Readonly<Record<CapacityResult['endedBy']['limit'], string>> = {
  'server-cpu': 'server CPU (its core full)',
  memory: 'server memory',
  'file-descriptors': 'file descriptors (ulimit -n)',
  slo: 'the SLO',
  delivery: 'delivery (< 99 % or loss)',
  generator: 'THE LOAD GENERATOR (this machine, not the transport)',
  'max-load': 'none: the highest load ran',
  'max-time': 'the time budget (--max-time)',
}

function sorted (result: RunResult): CapacityResult[] {
  return [...result.capacity ?? []].sort((a, b) => a.scenario.localeCompare(b.scenario) || TRANSPORT_NAMES.indexOf(a.transport) - TRANSPORT_NAMES.indexOf(b.transport))
}

function loadText (c: CapacityResult, load: number | null): string {
  if (load === null) return '–'
  return c.dimension === 'clients' ? `${formatNumber(load)} clients` : `${formatNumber(load)} msg/s`
}

/** One row per (scenario, transport): the measured maximum, the projection beside it, and what ended the search. */
export function capacitySummaryTable (result: RunResult): CapacityTable {
  const rows = sorted(result).map((c) => {
    const p = c.projection
    const projected = p === null
      ? 'not projected (fewer than two passing loads)'
      : `${formatNumber(p.deliveriesPerSec / c.serverCores)} deliveries/s per core at ${loadText(c, p.load)} (projection from ${loadText(c, p.fromLoads[0] ?? 0)} and ${loadText(c, p.fromLoads[1] ?? 0)}: ${p.marginalCpuUsPerDelivery.toFixed(1)} µs per extra delivery, ${(p.fixedCpuCores * 100).toFixed(0)} % of a core fixed)`
    return [
      c.scenario,
      c.transport,
      `≤ ${formatUs(c.sloP99Us)}`,
      loadText(c, c.maxLoad),
      c.maxDeliveriesPerSecPerCore === undefined ? '–' : formatNumber(c.maxDeliveriesPerSecPerCore),
      c.maxConnectionsAtSlo === undefined ? '–' : formatNumber(c.maxConnectionsAtSlo),
      projected,
      `${LIMIT_NAMES[c.endedBy.limit]}: ${c.endedBy.detail}${c.timeCapHit && c.endedBy.limit !== 'max-time' ? ' (the time budget also ran out)' : ''}`,
    ]
  })
  return { headers: ['scenario', 'transport', 'SLO p99', 'max load (measured)', 'deliveries/s per server core', 'connections at SLO', 'projected', 'ended by'], rows }
}

/** Every step of every search: the evidence behind the summary. */
export function capacityStepTable (result: RunResult): CapacityTable {
  const rows = sorted(result).flatMap((c) => c.steps.map((s) => [
    c.scenario,
    c.transport,
    loadText(c, s.load),
    formatNumber(s.clients),
    s.p50Us === undefined ? '–' : formatUs(s.p50Us),
    s.p99Us === undefined ? '–' : formatUs(s.p99Us),
    s.deliveredPerSec === undefined ? '–' : `${formatNumber(s.deliveredPerSec)} (${formatNumber(s.targetPerSec ?? Number.NaN)})`,
    s.serverCpuCores === undefined ? '–' : `${(s.serverCpuCores * 100).toFixed(0)} %`,
    s.loadgenCpuCores === undefined ? '–' : `${(s.loadgenCpuCores * 100).toFixed(0)} %`,
    s.serverCpuUsPerDelivery === undefined ? '–' : formatUs(s.serverCpuUsPerDelivery),
    s.loadgenCpuUsPerDelivery === undefined ? '–' : formatUs(s.loadgenCpuUsPerDelivery),
    s.memoryPerConnectionBytes === undefined ? '–' : formatBytes(s.memoryPerConnectionBytes),
    s.status === 'passed' ? 'passed' : `failed: ${s.reasons.join('; ')}`,
  ]))
  return {
    headers: ['scenario', 'transport', 'load', 'clients', 'p50', 'p99', 'delivered/s (target)', 'server CPU', 'generator CPU', 'server CPU/delivery', 'generator CPU/delivery', 'memory/connection', 'status'],
    rows,
  }
}

/** The capacity section of the HTML report; empty when the run searched nothing. */
export function capacityHtml (result: RunResult): SafeHtml {
  const summary = capacitySummaryTable(result)
  if (summary.rows.length === 0) return html``
  const steps = capacityStepTable(result)
  return html`<section id="capacity"><h2>Capacity</h2>
<p class="muted">Per transport the load was raised ×2 per step, then bisected, to the highest load at which a round stays valid, delivers at least 99 % of its target, loses nothing, keeps its delivery p99 within the SLO, and its load generator is not saturated. Every step is a real round with a fresh server and load generator. Server CPU is in cores busy (100 % = one core full), without the publisher clock's busy-wait. The projection fits server CPU = fixed + marginal × deliveries/s through the two passing loads farthest apart and solves for the server's cores full: an estimate, marked as such, never a measurement. When the load generator ended a search, the measured maximum is this machine's limit, not the transport's.</p>
${table(summary.headers, summary.rows, 'capacity')}
<h3>Every step</h3>
${table(steps.headers, steps.rows, 'capacity-steps')}
</section>`
}
