import type { ScenarioConfig } from '../core/config.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import type { CpuPinning } from './cpu-pinning.ts'
import type { NetworkProfile } from './network-profiles.ts'
import type { ClientKind } from '../core/control.ts'
import type { BrowserLayout, NotApplicable } from '../scenarios/catalog.ts'
import type { RoundResult, RunResult } from '../results/schema.ts'
import { runsOver, WS_OVER_HTTP2_REASON, type WireVariant } from '../core/wire-variant.ts'
import { forkRoundProcesses, releaseRoundProcesses, runRound, type RoundPlan, type RoundProcesses, type RunCertificate } from './round.ts'
import type { RemoteLoadgens } from './coordinator.ts'
import { buildRoundResult, isRerunnable } from './round-result.ts'

/** What the runner executes: resolved scenarios × transports × rounds. */
export interface RunPlanInput {
  readonly scenarios: readonly ScenarioConfig[]
  readonly transports: readonly TransportName[]
  readonly rounds: number
  readonly workers: number
  readonly target: string | null
  readonly network: NetworkProfile
  /** Test mode only: delay the started servers add to every published batch, µs (absent or 0: off). */
  readonly injectedDelayUs?: number
  /** Cores for the servers and load generators (absent: not pinned). */
  readonly cpus?: CpuPinning
  /** TLS and HTTP version of every round (absent: plain HTTP/1.1). */
  readonly variant?: WireVariant
  /** With TLS: the run's certificate. */
  readonly certificate?: RunCertificate
  /** Transports each scenario (by name) does not apply to, with the reason: not run, recorded as skipped. */
  readonly notApplicable?: Readonly<Record<string, NotApplicable>>
  /** Where the clients run (absent: node). */
  readonly clientsIn?: ClientKind
  /** Chromium page layout of each scenario (by name) that defines one. */
  readonly browserLayouts?: Readonly<Record<string, BrowserLayout | undefined>>
  /** Load generators on other hosts (--loadgens), instead of forked ones. */
  readonly remote?: RemoteLoadgens
}

/** A (scenario, transport) pair that is not run, and why. */
export type SkippedPair = NonNullable<RunResult['skipped']>[number]

/** The (scenario, transport) pairs of the input that do not apply, with the scenario's reason. */
export function listSkipped (input: RunPlanInput): SkippedPair[] {
  return input.scenarios.flatMap((scenario) => input.transports.flatMap((transport) => {
    const reason = whyNotRun(input, scenario, transport)
    return reason === undefined ? [] : [{ scenario: scenario.name, transport, reason }]
  }))
}

/** The transports of the input a scenario applies to, in the input's order. */
export function applicableTransports (input: RunPlanInput, scenario: ScenarioConfig): TransportName[] {
  return input.transports.filter((t) => whyNotRun(input, scenario, t) === undefined)
}

/** Why a (scenario, transport) pair is not run: the scenario does not apply to it, or the run's HTTP version does not (ws over h2). */
function whyNotRun (input: RunPlanInput, scenario: ScenarioConfig, transport: TransportName): string | undefined {
  return input.notApplicable?.[scenario.name]?.[transport] ??
    (input.variant === undefined || runsOver(transport, input.variant) ? undefined : WS_OVER_HTTP2_REASON)
}

/** The variant and certificate fields of a round plan (none for plain HTTP/1.1). */
export function wireOf (input: RunPlanInput): Pick<RoundPlan, 'variant' | 'certificate' | 'clientsIn' | 'remote'> {
  return {
    ...(input.variant === undefined ? {} : { variant: input.variant }),
    ...(input.certificate === undefined ? {} : { certificate: input.certificate }),
    ...(input.clientsIn === undefined || input.clientsIn === 'node' ? {} : { clientsIn: input.clientsIn }),
    ...(input.remote === undefined ? {} : { remote: input.remote }),
  }
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
  const delayUs = input.injectedDelayUs ?? 0
  const injected = { ...(delayUs > 0 ? { injectedDelayUs: delayUs } : {}), ...wireOf(input), ...(input.cpus === undefined ? {} : { cpus: input.cpus }) }
  for (let round = 1; round <= input.rounds; round++) {
    // ramp scenarios run in runner/ramp.ts; transports a scenario does not apply to are in listSkipped
    for (const scenario of input.scenarios.filter((s) => s.ramp.steps === 0)) {
      for (const transport of shuffle(applicableTransports(input, scenario), random)) {
        const layout = input.browserLayouts?.[scenario.name]
        plans.push({ scenario, transport, round, order: plans.length + 1, workers: input.workers, target: input.target, network: input.network, ...injected, ...(layout === undefined ? {} : { browser: layout }) })
      }
    }
  }
  return plans
}

/**
 * Runs every planned round in order and returns their results (a failed round throws). Each round still
 * has fresh processes; the next round's are forked when the current round's run time is up (while it
 * stops, drains and reports), so their start-up does not add to the run's wall time.
 */
export async function runPlans (plans: readonly RoundPlan[], progress: RunnerProgress = {}): Promise<RoundResult[]> {
  const results: RoundResult[] = []
  let ahead: RoundProcesses | undefined
  try {
    for (const [i, plan] of plans.entries()) {
      const next = plans[i + 1]
      const processes = ahead ?? forkRoundProcesses(plan)
      ahead = undefined
      progress.roundStarted?.(plan, plans.length)
      const first = buildRoundResult(await runRound(plan, {
        processes,
        runEnded: () => { if (next !== undefined) ahead = forkRoundProcesses(next) },
      }))
      if (!isRerunnable(first)) {
        results.push(first)
        progress.roundFinished?.(first, plans.length)
        continue
      }
      // the load generator, not the code under test, failed this round and nothing was lost: one more
      // attempt with fresh processes; both are kept, the first marked as replaced
      results.push({ ...first, status: 'rerun' })
      progress.roundFinished?.(results[results.length - 1] as RoundResult, plans.length)
      progress.roundStarted?.(plan, plans.length)
      const again = buildRoundResult(await runRound(plan, { processes: forkRoundProcesses(plan), runEnded: () => {} }))
      results.push(again)
      progress.roundFinished?.(again, plans.length)
    }
  } finally {
    if (ahead !== undefined) await releaseRoundProcesses(ahead)
  }
  return results
}

/** A copy of `items` in random order (Fisher–Yates). */
export function shuffle<T> (items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}
