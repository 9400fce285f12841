import { errors } from '../core/errors.ts'
import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { variantLabel, type WireVariant } from '../core/wire-variant.ts'
import { costOfRun, MEMORY_NOT_MEASURED, type MemoryCost } from './cost.ts'
import { firstDifference } from './compare.ts'
import { variantOf, type RunResult } from './schema.ts'
import { summarizeRun } from './summary.ts'

/** The headline figures of one transport over one variant: medians over its valid rounds. */
export interface VariantFigures {
  /** Steady-state wire bytes (both directions, on the TCP socket) per delivered message. */
  readonly bytesPerMessage: number
  /** bytesPerMessage minus the payload bytes (down and up) per message. */
  readonly overheadBytesPerMessage: number
  readonly serverCpuUsPerMessage: number
  readonly p50Us: number
  readonly p99Us: number
  /** Setup bytes (handshakes, first request and answer) per client connection. */
  readonly setupBytesPerConnection: number
  /** Server memory per connection (per stream over HTTP/2), from rounds of ≥ 1,000 connections; why not otherwise. */
  readonly memoryPerConnection: MemoryCost
}

/** One variant's cell of a side-by-side row: its figures, or why there are none. */
export type VariantCell =
  | { readonly variant: WireVariant, readonly figures: VariantFigures }
  | { readonly variant: WireVariant, readonly missing: string }

/** One (scenario, transport) measured over several variants. */
export interface VariantRow {
  readonly scenario: string
  readonly transport: TransportName
  readonly cells: readonly VariantCell[]
}

/** Runs of the same scenarios over different variants, side by side. */
export interface VariantComparison {
  readonly variants: readonly WireVariant[]
  readonly rows: readonly VariantRow[]
}

/**
 * Puts runs of one configuration measured over different variants (plain HTTP/1.1, HTTP/1.1 + TLS,
 * HTTP/2 + TLS) side by side, per scenario and transport. Throws BENCH_ERR_CONFIG_MISMATCH when their
 * scenarios differ or two runs share a variant: only the wire may differ.
 */
export function compareVariants (runs: readonly RunResult[]): VariantComparison {
  const first = runs[0]
  if (first === undefined || runs.length < 2) throw new errors.BENCH_ERR_OPTION_INVALID('result files', String(runs.length), 'two or more runs over different variants')
  const seen = new Map<string, string>()
  for (const run of runs) {
    const label = variantLabel(variantOf(run))
    const other = seen.get(label)
    if (other !== undefined) throw new errors.BENCH_ERR_CONFIG_MISMATCH('the variant', `${label} in run ${other}`, `${label} in run ${run.runId} too (one run per variant)`)
    seen.set(label, run.runId)
    // description is prose; everything else must match for the wire to be the only difference
    const diff = firstDifference(first.scenarios.map((s) => ({ ...s, description: '' })), run.scenarios.map((s) => ({ ...s, description: '' })), 'scenarios')
    if (diff !== undefined) throw new errors.BENCH_ERR_CONFIG_MISMATCH(diff.path, diff.base, diff.head)
  }
  const summaries = runs.map((run) => ({ run, summary: summarizeRun(run), costs: costOfRun(run) }))
  const rows: VariantRow[] = []
  for (const scenario of first.scenarios.map((s) => s.name)) {
    for (const transport of TRANSPORT_NAMES) {
      const cells = summaries.map(({ run, summary, costs }): VariantCell => {
        const variant = variantOf(run)
        const t = summary.find((s) => s.scenario === scenario)?.transports.find((x) => x.transport === transport)
        if (t === undefined || t.validRounds === 0) {
          const skipped = run.skipped?.find((s) => s.scenario === scenario && s.transport === transport)
          return { variant, missing: skipped?.reason ?? (t === undefined ? 'not run' : 'no valid round') }
        }
        return {
          variant,
          figures: {
            bytesPerMessage: t.metrics.bytes.median,
            overheadBytesPerMessage: t.extra.overheadBytes.median,
            serverCpuUsPerMessage: t.metrics.cpu.median,
            p50Us: t.metrics.p50.median,
            p99Us: t.metrics.p99.median,
            setupBytesPerConnection: t.extra.setupBytesPerConnection.median,
            memoryPerConnection: costs.find((c) => c.scenario === scenario && c.transport === transport)?.memory ?? { measured: false, reason: MEMORY_NOT_MEASURED },
          },
        }
      })
      if (cells.some((c) => 'figures' in c)) rows.push({ scenario, transport, cells })
    }
  }
  return { variants: runs.map(variantOf), rows }
}

/** The figures of a row over exactly this variant, when measured. */
export function figuresOver (row: VariantRow, variant: WireVariant): VariantFigures | undefined {
  const cell = row.cells.find((c) => c.variant.tls === variant.tls && c.variant.httpVersion === variant.httpVersion)
  return cell !== undefined && 'figures' in cell ? cell.figures : undefined
}
