import { summarizeHistogram } from '../core/histogram.ts'
import { formatCpuList } from '../core/cpu-list.ts'
import type { CpuPinning, RoundResult, RunResult } from '../results/schema.ts'
import { median } from '../results/stats.ts'
import { mergeRoundHistograms } from '../results/summary.ts'
import { formatCpu, formatNumber, formatUs } from './format.ts'
import { html, table, type SafeHtml } from './html.ts'

/** Is the instrument the bottleneck? Per (scenario, transport), over valid rounds: the publisher's schedule error and both sides' CPU per delivery. */
export interface InstrumentRow {
  readonly scenario: string
  readonly transport: string
  /** Publish − scheduled time, µs, merged over rounds (undefined: the server did not report it). */
  readonly publishLagP50Us: number | undefined
  readonly publishLagP99Us: number | undefined
  readonly publishLagMaxUs: number | undefined
  /** Median over rounds of the publisher clock's cost (busy-wait + worker thread) per delivered message, µs (kept out of the server's CPU). */
  readonly spinUsPerMessage: number | undefined
  readonly serverCpuUsPerMessage: number
  /** Median over rounds; undefined for result files written before it was recorded. */
  readonly loadgenCpuUsPerMessage: number | undefined
}

/** One row per (scenario, transport) that has valid rounds, in result order. */
export function instrumentRows (result: RunResult): InstrumentRow[] {
  const keys = [...new Set(result.rounds.filter((r) => r.status === 'valid').map((r) => `${r.scenario}\u0000${r.transport}`))]
  return keys.map((key) => {
    const [scenario = '', transport = ''] = key.split('\u0000')
    const rounds = result.rounds.filter((r) => r.status === 'valid' && r.scenario === scenario && r.transport === transport)
    const lagged = rounds.filter((r) => r.server.publishLag !== undefined && r.server.publishLag.count > 0)
    const lag = lagged.length === 0 ? undefined : summarizeHistogram(mergeRoundHistograms(lagged, (r) => r.server.publishLag?.histogram ?? ''))
    const perMessage = (r: RoundResult, us: number): number => us / Math.max(1, r.counters.received)
    const spun = rounds.filter((r) => r.server.publisherSpinUs !== undefined)
    const withLoadgen = rounds.filter((r) => r.loadgenCpuUsPerMessage !== undefined)
    return {
      scenario,
      transport,
      publishLagP50Us: lag?.p50Us,
      publishLagP99Us: lag?.p99Us,
      publishLagMaxUs: lag?.maxUs,
      spinUsPerMessage: spun.length === 0 ? undefined : median(spun.map((r) => perMessage(r, (r.server.publisherSpinUs ?? 0) + (r.server.publisherWorkerCpuUs ?? 0)))),
      serverCpuUsPerMessage: median(rounds.map((r) => r.server.cpuUsPerMessage)),
      loadgenCpuUsPerMessage: withLoadgen.length === 0 ? undefined : median(withLoadgen.map((r) => r.loadgenCpuUsPerMessage ?? 0)),
    }
  })
}

/** The context section's table: the harness's own figures, which must be small beside what it measures. */
export function instrumentHtml (result: RunResult): SafeHtml {
  const rows = instrumentRows(result)
  const opt = (v: number | undefined, f: (x: number) => string): string => (v === undefined ? 'not recorded' : f(v))
  return html`<h3 id="instrument">The instrument</h3>
<p>The publisher schedules message k at t0 + k / rate and latency is measured from that schedule, so its own error (publish − schedule) is part of every latency: it should stay within 50 µs at p50 at low load. The load generator must spend less CPU per delivered message than the server, or the round measures the generator. What that precision costs (the clock's worker thread waking up, and the busy-wait of the last ~0.25 ms before each deadline) is measured and kept out of the server's CPU per message.</p>
${table(['scenario', 'transport', 'publish − schedule p50 / p99 / max', 'publisher clock CPU per message (kept out)', 'server CPU per message', 'load-generator CPU per message', 'generator / server'], rows.map((r) => [
    r.scenario, r.transport,
    r.publishLagP50Us === undefined ? 'none (nothing scheduled by the server, or not recorded)' : `${formatUs(r.publishLagP50Us)} / ${formatUs(r.publishLagP99Us ?? 0)} / ${formatUs(r.publishLagMaxUs ?? 0)}`,
    opt(r.spinUsPerMessage, formatCpu),
    formatCpu(r.serverCpuUsPerMessage),
    opt(r.loadgenCpuUsPerMessage, formatCpu),
    r.loadgenCpuUsPerMessage === undefined || r.serverCpuUsPerMessage <= 0 ? '–' : `${formatNumber(r.loadgenCpuUsPerMessage / r.serverCpuUsPerMessage)}×`,
  ]), 'instrument')}`
}

/** Where the server and the load generators ran, for the context table and the terminal. */
export function describePinning (pinning: CpuPinning | undefined): string {
  if (pinning === undefined) return 'not recorded'
  if (pinning.server === null || pinning.loadgens === null) return `NOT PINNED: ${pinning.unpinnedReason ?? 'no reason recorded'}; server and load generators may share cores`
  return `server on core ${formatCpuList(pinning.server)}, load generators on core ${formatCpuList(pinning.loadgens)} (taskset)`
}
