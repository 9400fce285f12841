import type { ScenarioConfig } from './core/config.ts'
import type { TransportName } from './core/transports.ts'
import type { NetworkProfile } from './network-profiles.ts'
import type { RoundResult } from '../results/schema.ts'
import { runRound, type RoundPlan } from './round.ts'
import { buildRoundResult } from './round-result.ts'

/** What the runner executes: resolved scenarios × transports × rounds. */
export interface RunPlanInput {
  readonly scenarios: readonly ScenarioConfig[]
  readonly transports: readonly TransportName[]
  readonly rounds: number
  readonly workers: number
  readonly target: string | null
  readonly network: NetworkProfile
}

/** Called before and after each round, for progress output. */
export interface RunnerProgress {
  roundStarted? (plan: RoundPlan, total: number): void
  roundFinished? (result: RoundResult, total: number): void
}

/**
 * Orders the rounds: round by round, and inside each round every scenario with its transports in a
 * fresh random order, so that machine drift over the run does not favour one transport.
 */
export function planRounds (input: RunPlanInput, random: () => number = Math.random): RoundPlan[] {
  const plans: RoundPlan[] = []
  for (let round = 1; round <= input.rounds; round++) {
    for (const scenario of input.scenarios) {
      for (const transport of shuffle(input.transports, random)) {
        plans.push({ scenario, transport, round, order: plans.length + 1, workers: input.workers, target: input.target, network: input.network })
      }
    }
  }
  return plans
}

/** Runs every planned round in order and returns their results (a failed round throws). */
export async function runPlans (plans: readonly RoundPlan[], progress: RunnerProgress = {}): Promise<RoundResult[]> {
  const results: RoundResult[] = []
  for (const plan of plans) {
    progress.roundStarted?.(plan, plans.length)
    const result = buildRoundResult(await runRound(plan))
    results.push(result)
    progress.roundFinished?.(result, plans.length)
  }
  return results
}

function shuffle<T> (items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}
