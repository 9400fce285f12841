import type { TransportName } from '../core/wire-protocol.ts'
import { variantLabel, type WireVariant } from '../core/wire-variant.ts'
import { figuresOver, type VariantComparison } from '../results/variants.ts'
import type { ClaimCheck, ClaimStatus } from './claims.ts'
import { formatBytes, formatUs } from './format.ts'
import { formatTable } from './terminal.ts'

const PLAIN: WireVariant = { tls: false, httpVersion: '1.1' }
const TLS_H1: WireVariant = { tls: true, httpVersion: '1.1' }
const TLS_H2: WireVariant = { tls: true, httpVersion: '2' }
const POLLING: ReadonlySet<TransportName> = new Set(['long-poll', 'poll'])
const STREAMING: ReadonlySet<TransportName> = new Set(['ws', 'sse'])

/** What a TLS 1.3 record adds to what it carries, bytes: 5-byte header, 1 content-type byte, 16-byte AEAD tag. */
export const TLS13_RECORD_OVERHEAD_BYTES = 22

/** Share of polling's HTTP/1.1 overhead that HTTP/2 must remove for "most" to hold. */
const MOST = 0.5

/**
 * The claims that need runs over different variants, checked against them: each (scenario, transport)
 * measured over both variants a claim compares is one piece of evidence; the status follows the
 * same rule as the single-run claims (confirmed, not confirmed, depends on workload, not measured).
 */
export function checkVariantClaims (comparison: VariantComparison): ClaimCheck[] {
  const hpack = comparison.rows.filter((r) => POLLING.has(r.transport)).flatMap((row) => {
    const h1 = figuresOver(row, TLS_H1)
    const h2 = figuresOver(row, TLS_H2)
    if (h1 === undefined || h2 === undefined) return []
    const removed = 1 - h2.overheadBytesPerMessage / h1.overheadBytesPerMessage
    return [{
      holds: removed > MOST,
      line: `${row.scenario} / ${row.transport}: overhead per message ${formatBytes(h1.overheadBytesPerMessage)} over ${variantLabel(TLS_H1)}, ` +
        `${formatBytes(h2.overheadBytesPerMessage)} over ${variantLabel(TLS_H2)} (${(removed * 100).toFixed(0)}% removed)`,
    }]
  })
  const tlsDeltas = comparison.rows.flatMap((row) => {
    const plain = figuresOver(row, PLAIN)
    const tls = figuresOver(row, TLS_H1)
    return plain === undefined || tls === undefined ? [] : [{ row, delta: tls.bytesPerMessage - plain.bytesPerMessage }]
  })
  const streamingDeltas = tlsDeltas.filter((d) => STREAMING.has(d.row.transport))
  const n = median(streamingDeltas.map((d) => d.delta))
  const tlsAdds = streamingDeltas.map((d) => ({
    holds: d.delta <= TLS13_RECORD_OVERHEAD_BYTES * 1.1,
    line: `${d.row.scenario} / ${d.row.transport}: +${formatBytes(d.delta)} per message`,
  }))
  const pollingLines = tlsDeltas.filter((d) => !STREAMING.has(d.row.transport))
    .map((d) => `${d.row.scenario} / ${d.row.transport}: +${formatBytes(d.delta)} per message (a request and an answer per poll: not judged)`)
  return [
    claim('HTTP/2 removes most of polling\'s header overhead.',
      `Holds for a polling transport (long-poll, poll) when its wire overhead per message (bytes beyond the payload, both directions) over ${variantLabel(TLS_H2)} ` +
      `is less than ${MOST * 100}% of that over ${variantLabel(TLS_H1)}: HPACK sends repeated headers as table indexes. Needs runs over both.`,
      hpack.map((h) => h.holds), hpack.map((h) => h.line)),
    claim(`TLS adds ${Number.isFinite(n) ? formatBytes(n) : 'N bytes'} per message.`,
      `N is the median, over ws and sse, of bytes per delivered message over ${variantLabel(TLS_H1)} minus over ${variantLabel(PLAIN)}. Holds for a ` +
      `streaming transport when its increase is at most one TLS 1.3 record's overhead (${TLS13_RECORD_OVERHEAD_BYTES} B) + 10%: messages written in one tick share a record. Needs runs over both.`,
      tlsAdds.map((t) => t.holds), [...tlsAdds.map((t) => t.line), ...pollingLines]),
  ]
}

function claim (text: string, rule: string, outcomes: readonly boolean[], evidence: readonly string[]): ClaimCheck {
  const status: ClaimStatus = outcomes.length === 0
    ? 'not measured'
    : outcomes.every(Boolean) ? 'confirmed' : outcomes.some(Boolean) ? 'depends on workload' : 'not confirmed'
  return { claim: text, rule, status, evidence }
}

function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The side-by-side table and the checked claims, as terminal text. */
export function renderVariants (comparison: VariantComparison): string {
  const headers = ['scenario', 'transport', 'over', 'bytes/msg', 'overhead/msg', 'setup/conn', 'server CPU/msg', 'p50', 'p99', 'memory/conn']
  // a cell that cannot exist says n/a in the table; why, once per reason, below it
  const notApplicable = new Map<string, string>()
  const rows = comparison.rows.flatMap((row) => row.cells.map((cell) => {
    const head = [row.scenario, row.transport, variantLabel(cell.variant)]
    if (!('figures' in cell)) {
      const mark = notApplicable.get(cell.missing) ?? `n/a (${notApplicable.size + 1})`
      notApplicable.set(cell.missing, mark)
      return [...head, mark, '', '', '', '', '', '']
    }
    const f = cell.figures
    return [...head, formatBytes(f.bytesPerMessage), formatBytes(f.overheadBytesPerMessage), formatBytes(f.setupBytesPerConnection),
      formatUs(f.serverCpuUsPerMessage), formatUs(f.p50Us), formatUs(f.p99Us),
      f.memoryPerConnection.measured ? formatBytes(f.memoryPerConnection.perConnectionBytes.median) : f.memoryPerConnection.reason]
  }))
  const lines = ['Wire bytes on the TCP socket (TLS records included), both directions, per delivered message; medians over valid rounds.', formatTable(headers, rows),
    ...[...notApplicable].map(([why, mark]) => `${mark}: ${why}`), '', 'Claims:']
  for (const c of checkVariantClaims(comparison)) {
    lines.push(`  ${c.status.padEnd(19)} ${c.claim}`, `    rule: ${c.rule}`, ...c.evidence.map((e) => `    ${e}`))
  }
  return lines.join('\n')
}
