import { variantLabel } from '../core/wire-variant.ts'
import { variantOf, type MapResult, type RunResult } from '../results/schema.ts'
import { listInvalidRounds, listRerunRounds, summarizeRun, type TransportSummary } from '../results/summary.ts'
import { browserPageTable } from './browser-pages.ts'
import { checkRoundClaims } from './claims.ts'
import { describePinning, instrumentRows } from './instrument.ts'
import { formatBytes, formatCores, formatNumber, formatUs } from './format.ts'
import { faultTable, rampOf, rampTable, rampVerdictText, skippedReason, transportsOf } from './robustness.ts'
import { decideVerdicts, formatHeadroom, type VerdictCell } from './verdict.ts'
import { firstScreenSentences } from './first-screen.ts'
import { crossoverText, findCrossovers, mapConditions, mapTable } from './map.ts'
import { checkMapClaims } from './map-claims.ts'
import { capacityStepTable, capacitySummaryTable } from './capacity.ts'

const HEADERS = ['scenario', 'transport', 'delivered msg/s (target)', 'p50', 'p99', 'p99.9', 'bytes/msg', 'lost', 'status'] as const
const RIGHT_ALIGNED = new Set([2, 3, 4, 5, 6, 7])

function status (t: TransportSummary): string {
  const invalid = t.invalidRounds.length
  const rounds = (n: number): string => `${n} ${n === 1 ? 'round' : 'rounds'}`
  if (t.validRounds === 0) return `INVALID (${invalid} of ${rounds(invalid)})`
  return invalid === 0 ? `ok (${rounds(t.validRounds)})` : `${t.validRounds} ok, ${invalid} INVALID`
}

function row (t: TransportSummary): string[] {
  if (t.validRounds === 0) return [t.scenario, t.transport, '–', '–', '–', '–', '–', '–', status(t)]
  return [
    t.scenario,
    t.transport,
    `${formatNumber(t.metrics.msgs.median)} (${formatNumber(t.extra.targetPerSec.median)})`,
    formatUs(t.metrics.p50.median),
    formatUs(t.metrics.p99.median),
    formatUs(t.latency.p999Us),
    t.bytesNotMeasured === undefined ? formatBytes(t.metrics.bytes.median) : 'not measured',
    formatNumber(t.counters.lost),
    status(t),
  ]
}

/** Lays out rows as an aligned plain-text table (numbers right-aligned). */
export function formatTable (headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string => cells
    .map((c, i) => (RIGHT_ALIGNED.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ').trimEnd()
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function cellText (c: VerdictCell): string {
  const figures = c.cost === null || c.cost.validRounds === 0
    ? []
    : [`p99 ${formatUs(c.p99.median)}`, `${formatCores(c.cost.per10k.serverCores.median)}/10k users`, ...(c.headroom === null ? [] : [formatHeadroom(c.headroom)])]
  return `${c.transport} (${[...figures, ...c.reasons].join('; ')})`
}

/** The terminal summary of a run: key figures per (scenario, transport), the verdict, the claims, INVALID rounds. */
export function renderTerminalSummary (result: RunResult): string {
  if (result.rounds.length === 0 && (result.capacity?.length ?? 0) > 0) return capacitySummary(result)
  if (result.rounds.length === 0 && result.map !== undefined) return mapSummary(result.map)
  const summaries = summarizeRun(result)
  const rows = summaries.flatMap((s) => s.transports.map(row))
  // a run of ramps only has no rounds: no empty table
  const verdicts = decideVerdicts(result, summaries)
  const pick = firstScreenSentences(result, verdicts)
  const lines = [
    ...(pick.length > 0 ? ['What to pick (server cores per 10,000 users at the workload\'s per-user rate):', ...pick.map((s) => `  ${s}`), ''] : []),
    `Over ${variantLabel(variantOf(result))}${result.options.tls === true ? ' (bytes counted on the TCP socket, TLS records included)' : ''}:`,
    ...(rows.length > 0 ? [formatTable(HEADERS, rows), ''] : []),
    'Verdict (fits: meets the SLO with ≥ 2× headroom, loses nothing; best: the cheapest per 10,000 users; rules in the report):',
  ]
  for (const v of verdicts) {
    const parts = (['best', 'fits', 'poor', 'no verdict'] as const)
      .map((fit) => [fit, v.cells.filter((c) => c.fit === fit)] as const)
      .filter(([, cells]) => cells.length > 0)
      .map(([fit, cells]) => `${fit}: ${cells.map(cellText).join(', ')}`)
    const ramps = transportsOf(result).flatMap((t) => {
      const ramp = rampOf(result, v.scenario, t)
      return ramp === undefined ? [] : [`${t}: ${rampVerdictText(ramp)}`]
    })
    if (ramps.length > 0) parts.push(`ramp: ${ramps.join(', ')}`)
    const notApplicable = transportsOf(result).flatMap((t) => {
      const reason = skippedReason(result, v.scenario, t)
      return reason === undefined ? [] : [`${t} (${reason})`]
    })
    if (notApplicable.length > 0) parts.push(`n/a: ${notApplicable.join(', ')}`)
    lines.push(`  ${v.scenario} (SLO p99 ≤ ${formatUs(v.sloP99Us)}): ${parts.join(' | ')}`)
  }
  const instrument = instrumentRows(result)
  if (instrument.some((r) => r.publishLagP50Us !== undefined || r.loadgenCpuUsPerMessage !== undefined)) {
    const us = (v: number | undefined): string => (v === undefined ? '–' : formatUs(v))
    lines.push('', 'The instrument (valid rounds): publish − schedule, and CPU per delivered message of the server and of the load generator (must be lower):',
      formatTable(['scenario', 'transport', 'publish lag p50', 'p99', 'server CPU/msg', 'generator CPU/msg'], instrument.map((r) => [
        r.scenario, r.transport, us(r.publishLagP50Us), us(r.publishLagP99Us), formatUs(r.serverCpuUsPerMessage), us(r.loadgenCpuUsPerMessage),
      ])))
  }
  lines.push(`Cores: ${describePinning(result.options.cpus)}`)
  const faults = faultTable(result)
  if (faults.rows.length > 0) lines.push('', 'Faults (summed over rounds; unexplained = lost − gap notices − lost by clients cut as slow consumers):', formatTable(faults.headers, faults.rows))
  const restarted = result.rounds.filter((r) => r.restart !== undefined)
  if (restarted.length > 0) {
    const before = restarted.reduce((sum, r) => sum + (r.counters.receivedBeforeReset ?? 0), 0)
    lines.push(`Server restarts (${restarted.length} rounds): reconciled against the new epoch only; ${before} messages received from the old epoch are reported, not reconciled; what the old server published but never delivered is unknowable.`)
  }
  const ramp = rampTable(result)
  if (ramp.rows.length > 0) lines.push('', 'Client ramps (each step a fresh server; memory / connection = server RSS growth while the clients connected):', formatTable(ramp.headers, ramp.rows))
  const pages = browserPageTable(result)
  if (pages.rows.length > 0) lines.push('', 'Browser pages (clients in Chromium; first message after the run started, received, page clock bound):', formatTable(pages.headers, pages.rows))
  lines.push('', 'Claims:')
  for (const c of checkRoundClaims(result, summaries)) lines.push(`  ${c.status.padEnd(19)} ${c.claim}`)
  const reruns = listRerunRounds(result)
  if (reruns.length > 0) {
    lines.push('', `Rounds run once more (${reruns.length}): their load generator saturated and nothing was lost; the next attempt replaces them, they are left out of every figure:`)
    for (const r of reruns) lines.push(`  ${r.scenario} / ${r.transport} round ${r.round}: ${r.reasons.join('; ')}`)
  }
  const invalid = listInvalidRounds(result)
  if (invalid.length > 0) {
    lines.push('', `INVALID rounds (${invalid.length}), left out of every figure:`)
    for (const r of invalid) lines.push(`  ${r.scenario} / ${r.transport} round ${r.round}: ${r.reasons.join('; ')}`)
  }
  if (result.runId.startsWith('fixture-')) lines.unshift('TEST FIXTURE: synthetic values, not a measurement.')
  return lines.join('\n')
}

/** The terminal summary of a --map run: every point, the crossovers the measured points bracket, and what the points share. */
function mapSummary (map: MapResult): string {
  const points = mapTable(map)
  const crossovers = findCrossovers(map)
  return [
    'Workload map (every point one real round):', formatTable(points.headers, points.rows), '',
    `Crossovers (${crossovers.length}; only where two measured points bracket them):`,
    ...(crossovers.length === 0 ? ['  none: the transports kept their order between measured rates'] : crossovers.map((c) => `  ${crossoverText(c, map)}`)),
    '', 'Claims across the map:',
    ...checkMapClaims(map).map((c) => `  ${c.status.padEnd(19)} ${c.claim}`),
    '', mapConditions(map),
  ].join('\n')
}

/** The terminal summary of a --capacity run: every step, then one paragraph per search. */
function capacitySummary (result: RunResult): string {
  const steps = capacityStepTable(result)
  const summary = capacitySummaryTable(result)
  const lines = ['Capacity steps (server / generator CPU: cores busy, 100 % = one core):', formatTable(steps.headers, steps.rows), '', 'Capacity (measured maximum; the projection is an estimate):']
  for (const row of summary.rows) {
    const [scenario, transport, slo, maxLoad, perCore, connections, projected, endedBy] = row
    lines.push(`  ${scenario} · ${transport} (SLO p99 ${slo}): max ${maxLoad}, ${perCore} deliveries/s per server core, ${connections} connections at the SLO`,
      `    projected: ${projected}`, `    ended by: ${endedBy}`)
  }
  lines.push(`Cores: ${describePinning(result.options.cpus)}`)
  return lines.join('\n')
}
