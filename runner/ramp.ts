import { mergeOptions, resolveScenario, type ScenarioConfig } from '../core/config.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import type { RampResult, RampStep, RoundResult } from '../results/schema.ts'
import { machineClientLimit } from './preflight.ts'
import { runRound, type RoundPlan } from './round.ts'
import { buildRoundResult } from './round-result.ts'
import { applicableTransports, shuffle, wireOf, type RunPlanInput } from './suite.ts'

/** Largest client count of a ramp in a --quick run. */
export const QUICK_RAMP_MAX_CLIENTS = 1_000

/** Most steps of a ramp in a --quick run. */
export const QUICK_RAMP_STEPS = 3

/** What the ramp runner reports while it works. */
export interface RampProgress {
  stepStarted? (plan: RoundPlan): void
  stepFinished? (transport: TransportName, step: RampStep): void
}

/**
 * The client counts of a ramp: the last `steps − 1` values of the 1-2.5-5 series (…, 1,000, 2,500,
 * 5,000, 10,000) below maxClients, then maxClients itself: 15,000 in 5 steps is 1k, 2.5k, 5k, 10k, 15k.
 */
export function rampClientSteps (maxClients: number, steps: number): number[] {
  if (steps <= 1) return [maxClients]
  const series: number[] = []
  for (let decade = 1; decade < maxClients; decade *= 10) {
    for (const n of [decade, decade * 2.5, decade * 5]) if (n < maxClients && Number.isInteger(n)) series.push(n)
  }
  return [...series.slice(-(steps - 1)), maxClients]
}

/** The client counts one run ramps through: --quick caps the top and the number of steps. */
export function plannedSteps (scenario: ScenarioConfig, isQuick: boolean): number[] {
  if (!isQuick) return rampClientSteps(scenario.clients, scenario.ramp.steps)
  return rampClientSteps(Math.min(scenario.clients, QUICK_RAMP_MAX_CLIENTS), Math.min(scenario.ramp.steps, QUICK_RAMP_STEPS))
}

/** Turns one step's round into a ramp step: it passes when valid, free of connect errors and below the p99 limit. */
export function judgeStep (round: RoundResult, p99LimitUs: number): RampStep {
  const reasons = [...round.invalidReasons]
  if (round.counters.errors > 0) reasons.push(`${round.counters.errors} connection errors`)
  if (round.latency.p99Us >= p99LimitUs) reasons.push(`delivery p99 ${(round.latency.p99Us / 1000).toFixed(1)} ms is not below ${p99LimitUs / 1000} ms`)
  return {
    clients: round.clients,
    status: reasons.length === 0 ? 'passed' : 'failed',
    reasons,
    ...(round.connectRatePerSec === undefined ? {} : { connectRatePerSec: round.connectRatePerSec }),
    p50Us: round.latency.p50Us,
    p99Us: round.latency.p99Us,
    deliveredPerSec: round.deliveredPerSec,
    targetPerSec: round.targetPerSec,
    serverRssBytes: round.server.process.rssBytes,
    ...(round.server.idleMemoryPerConnectionBytes === undefined ? {} : { memoryPerConnectionBytes: round.server.idleMemoryPerConnectionBytes }),
    serverCpuUsPerMessage: round.server.cpuUsPerMessage,
    lost: round.counters.lost,
    errors: round.counters.errors,
  }
}

/**
 * Ramps one transport: each step is a full round (fresh server and load generators, so memory per
 * connection is not polluted by the step before) with that many clients, judged by judgeStep. The ramp
 * ends at the first failed step; steps above what `ulimit -n` and the port range allow are skipped.
 */
export async function runRamp (base: Omit<RoundPlan, 'round' | 'order'>, isQuick: boolean, progress: RampProgress = {}): Promise<RampResult> {
  const { scenario, transport } = base
  const p99LimitUs = scenario.ramp.p99LimitMs * 1000
  const machine = machineClientLimit(scenario.pattern)
  const steps: RampStep[] = []
  let endedBy: string | undefined
  let maxClientsUnderLimit: number | null = null
  for (const [index, clients] of plannedSteps(scenario, isQuick).entries()) {
    if (endedBy !== undefined) {
      steps.push({ clients, status: 'skipped', reasons: [endedBy] })
      continue
    }
    if (machine !== null && clients > machine.clients) {
      endedBy = machine.bound
      steps.push({ clients, status: 'skipped', reasons: [machine.bound] })
      continue
    }
    const plan: RoundPlan = { ...base, scenario: withClients(scenario, clients), round: index + 1, order: index + 1 }
    progress.stepStarted?.(plan)
    let step: RampStep
    try {
      step = judgeStep(buildRoundResult(await runRound(plan)), p99LimitUs)
    } catch (err) {
      step = { clients, status: 'failed', reasons: [(err as Error).message] }
    }
    steps.push(step)
    progress.stepFinished?.(transport, step)
    if (step.status === 'passed') maxClientsUnderLimit = clients
    else endedBy = `the ramp ended at ${clients.toLocaleString('en-US')} clients`
  }
  return { scenario: scenario.name, transport, p99LimitUs, maxClientsUnderLimit, steps }
}

/** Runs every ramp scenario of the input on each transport it applies to, transports in random order. */
export async function runRamps (input: RunPlanInput, isQuick: boolean, progress: RampProgress = {},
  random: () => number = Math.random): Promise<RampResult[]> {
  const ramps: RampResult[] = []
  for (const scenario of input.scenarios.filter((s) => s.ramp.steps > 0)) {
    for (const transport of shuffle(applicableTransports(input, scenario), random)) {
      const layout = input.browserLayouts?.[scenario.name]
      const base = {
        scenario,
        transport,
        workers: input.workers,
        target: input.target,
        network: input.network,
        ...wireOf(input),
        ...(input.cpus === undefined ? {} : { cpus: input.cpus }),
        ...(input.clientsIn === undefined || input.clientsIn === 'node' ? {} : { clientsIn: input.clientsIn }),
        ...(layout === undefined ? {} : { browser: layout }),
        ...(input.remote === undefined ? {} : { remote: input.remote }),
      }
      ramps.push(await runRamp(input.injectedDelayUs === undefined ? base : { ...base, injectedDelayUs: input.injectedDelayUs }, isQuick, progress))
    }
  }
  return ramps
}

function withClients (scenario: ScenarioConfig, clients: number): ScenarioConfig {
  return resolveScenario(mergeOptions(scenario as unknown as Record<string, unknown>, { clients }), scenario.name)
}
