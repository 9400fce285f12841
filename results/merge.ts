import { errors } from '../core/errors.ts'
import { firstDifference } from './compare.ts'
import { isRunValid, type RunResult } from './schema.ts'

/** How the merged runs were interleaved with the other side's (recorded in the merged result's options). */
export interface InterleaveInfo {
  readonly side: 'base' | 'head'
  /** Execution order of the one-round runs of both sides, e.g. 'ABBAAB…' (A = base, B = head). */
  readonly order: string
}

/**
 * Merges one-round runs of the same code and config into one run of their rounds, in the order given:
 * run k's rounds become round k of each (scenario, transport), `order` counts on over the runs. Throws
 * BENCH_ERR_MERGE_MISMATCH naming the first option or scenario key that differs, or when a run has
 * client ramps (a ramp is one measurement per run, not a round).
 */
export function mergeRuns (runs: readonly RunResult[], runId: string, interleaved: InterleaveInfo): RunResult {
  const first = runs[0]
  if (first === undefined) throw new errors.BENCH_ERR_MERGE_MISMATCH('(none)', 'the list of runs', 'empty', 'at least one run')
  for (const run of runs) {
    if ((run.ramps?.length ?? 0) > 0) {
      throw new errors.BENCH_ERR_MERGE_MISMATCH(run.runId, 'ramps', `${run.ramps?.length ?? 0} client ramps`, 'none: run ramp scenarios such as fan-out-scale on their own')
    }
    const diff = firstDifference({ ...first.options, rounds: 0 }, { ...run.options, rounds: 0 }, 'options') ??
      firstDifference(first.scenarios, run.scenarios, 'scenarios') ??
      firstDifference(first.environment.gitCommit, run.environment.gitCommit, 'environment.gitCommit')
    if (diff !== undefined) throw new errors.BENCH_ERR_MERGE_MISMATCH(run.runId, diff.path, diff.head, `${diff.base}, as in the first run`)
  }
  let orderOffset = 0
  const rounds = runs.flatMap((run, k) => {
    const merged = run.rounds.map((r) => ({ ...r, round: k * run.options.rounds + r.round, order: orderOffset + r.order }))
    orderOffset += run.rounds.length
    return merged
  })
  const last = runs[runs.length - 1] ?? first
  return {
    ...first,
    runId,
    environment: { ...first.environment, endedAt: last.environment.endedAt },
    options: { ...first.options, rounds: runs.reduce((n, r) => n + r.options.rounds, 0), interleaved: { ...interleaved } },
    rounds,
    valid: isRunValid(rounds),
  }
}
