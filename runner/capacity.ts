import { totalmem } from 'node:os'
import { performance } from 'node:perf_hooks'
import { mergeOptions, resolveScenario, type ScenarioConfig } from '../core/config.ts'
import { errors } from '../core/errors.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { serverCpuCores } from '../results/cost.ts'
import type { CapacityResult, CapacityStep, RoundResult } from '../results/schema.ts'
import type { CpuPinning } from './cpu-pinning.ts'
import { machineClientLimit } from './preflight.ts'
import { runRound, type RoundPlan } from './round.ts'
import { buildRoundResult, isRerunnable } from './round-result.ts'
import { applicableTransports, shuffle, wireOf, type RunPlanInput } from './suite.ts'

/** What a capacity search raises: connected clients (fan-out shapes) or the message rate (ticker, chat shapes). */
export type LoadDimension = 'clients' | 'ratePerSec'

/** Default budget of a whole --capacity run, ms. */
export const DEFAULT_CAPACITY_MAX_TIME_MS = 10 * 60_000

// the search raises the load ×2 per step until a step fails, then bisects (geometric mean) until the
// passing and the failing load are within 25 % of each other
const GROWTH = 2
const RESOLUTION = 1.25
/** A step must deliver at least this share of its target. */
export const MIN_DELIVERED_SHARE = 0.99
/** Server CPU at or above this share of its cores means the server's cores were the limit. */
export const SERVER_CPU_FULL_SHARE = 0.9
/** Server RSS at or above this share of the machine's memory means memory was the limit. */
const MEMORY_FULL_SHARE = 0.8
// fan-out shapes start here: memory per connection is only measured from 1,000 connections on
const FIRST_CLIENT_STEP = 1_000
const MAX_CLIENTS = 20_000
const MAX_RATE_PER_SEC = 1_000_000

/**
 * The load dimension of a scenario, or a usage error (before any load) when it has none: a scenario
 * that injects faults measures recovery, not how much load the server carries. A ramp scenario is a
 * fan-out shape (clients); every other one is raised by its rate.
 */
export function loadDimensionOf (scenario: ScenarioConfig): LoadDimension {
  const f = scenario.faults
  const faults = [
    f.dropSharePerSec > 0 ? 'faults.dropSharePerSec' : '',
    f.slowClients > 0 ? 'faults.slowClients' : '',
    f.restartAtMs > 0 ? 'faults.restartAtMs' : '',
  ].filter((x) => x !== '')
  if (faults.length > 0) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--capacity', `with scenario ${JSON.stringify(scenario.name)}`,
      `a scenario whose load can be raised (ticker, chat, rpc, notifications, large-payload, burst, fan-out-scale, or a file without faults); ${scenario.name} injects ${faults.join(', ')}`)
  }
  return scenario.ramp.steps > 0 ? 'clients' : 'ratePerSec'
}

/** The scenario at one load of its dimension (a ramp scenario becomes a plain one-round scenario). */
export function atLoad (scenario: ScenarioConfig, dimension: LoadDimension, load: number): ScenarioConfig {
  return resolveScenario(mergeOptions(scenario as unknown as Record<string, unknown>, { [dimension]: load, ramp: { steps: 0 } }), scenario.name)
}

/** Turns one step's round into a capacity step: it passes when valid, delivering ≥ 99 %, losing nothing, within the SLO. */
export function judgeCapacityStep (round: RoundResult, load: number, sloP99Us: number, runMs: number): CapacityStep {
  const reasons = [...round.invalidReasons]
  const share = round.targetPerSec > 0 ? round.deliveredPerSec / round.targetPerSec : 1
  if (share < MIN_DELIVERED_SHARE) reasons.push(`delivered ${(share * 100).toFixed(1)} % of the target (${Math.round(round.deliveredPerSec)} of ${Math.round(round.targetPerSec)} msg/s), below ${MIN_DELIVERED_SHARE * 100} %`)
  if (round.counters.lost > 0 && !reasons.some((r) => r.includes('never arrived'))) reasons.push(`${round.counters.lost} messages lost`)
  if (round.counters.errors > 0) reasons.push(`${round.counters.errors} connection errors`)
  if (round.latency.p99Us > sloP99Us) reasons.push(`delivery p99 ${(round.latency.p99Us / 1000).toFixed(1)} ms is above the SLO of ${sloP99Us / 1000} ms`)
  const loadgenCpuUs = round.loadgens.reduce((n, p) => n + p.cpuUserUs + p.cpuSystemUs, 0)
  return {
    load,
    clients: round.clients,
    status: reasons.length === 0 ? 'passed' : 'failed',
    reasons,
    p50Us: round.latency.p50Us,
    p99Us: round.latency.p99Us,
    deliveredPerSec: round.deliveredPerSec,
    targetPerSec: round.targetPerSec,
    lost: round.counters.lost,
    errors: round.counters.errors,
    serverCpuCores: serverCpuCores(round, runMs),
    serverCpuUsPerDelivery: round.server.cpuUsPerMessage,
    loadgenCpuCores: loadgenCpuUs / (runMs * 1000),
    ...(round.loadgenCpuUsPerMessage === undefined ? {} : { loadgenCpuUsPerDelivery: round.loadgenCpuUsPerMessage }),
    serverRssBytes: round.server.process.rssBytes,
    ...(round.clients >= FIRST_CLIENT_STEP && round.server.idleMemoryPerConnectionBytes !== undefined
      ? { memoryPerConnectionBytes: round.server.idleMemoryPerConnectionBytes }
      : {}),
    generatorSaturated: round.invalidReasons.some((r) => /^load generator \d+ saturated: /.test(r)),
  }
}

/** What ended a search, named from its first failed step: the server's cores, memory, descriptors, the SLO, delivery, or the generator. */
export function limitOf (step: CapacityStep, serverCores: number): NonNullable<CapacityResult['endedBy']> {
  const cpu = step.serverCpuCores ?? 0
  if (cpu >= SERVER_CPU_FULL_SHARE * serverCores) {
    return { limit: 'server-cpu', detail: `the server used ${(cpu * 100).toFixed(0)} % of its ${serverCores === 1 ? 'core' : `${serverCores} cores`} at ${formatLoad(step)}` }
  }
  if (step.generatorSaturated === true) {
    return { limit: 'generator', detail: `the load generator saturated at ${formatLoad(step)} while the server used ${(cpu * 100).toFixed(0)} % of its core: the limit of this machine's generator, not of the transport (see the projection)` }
  }
  if ((step.serverRssBytes ?? 0) >= MEMORY_FULL_SHARE * totalmem()) {
    return { limit: 'memory', detail: `server RSS reached ${Math.round((step.serverRssBytes ?? 0) / 2 ** 20)} MiB at ${formatLoad(step)}` }
  }
  if (step.p99Us !== undefined && step.reasons.some((r) => r.includes('above the SLO'))) {
    return { limit: 'slo', detail: `p99 ${(step.p99Us / 1000).toFixed(1)} ms at ${formatLoad(step)} while the server used ${(cpu * 100).toFixed(0)} % of its core` }
  }
  return { limit: 'delivery', detail: `${step.reasons[0] ?? 'the step failed'} at ${formatLoad(step)}` }
}

function formatLoad (step: Pick<CapacityStep, 'clients' | 'targetPerSec'>): string {
  return `${step.clients.toLocaleString('en-US')} clients, ${Math.round(step.targetPerSec ?? 0).toLocaleString('en-US')} deliveries/s offered`
}

/**
 * Where the server's cores would be full, from the two passing steps farthest apart: server CPU is
 * fitted as fixed + marginal × deliveries/s (so timers and idle costs do not dominate, as they do in
 * CPU per message at low load), and solved for the server's cores. Null with fewer than two passing
 * steps or a marginal cost that does not grow with load.
 */
export function projectCapacity (steps: readonly CapacityStep[], serverCores: number): CapacityResult['projection'] {
  const passed = steps.filter((s) => s.status === 'passed' && s.serverCpuCores !== undefined && s.deliveredPerSec !== undefined)
    .sort((a, b) => a.load - b.load)
  const low = passed[0]
  const high = passed[passed.length - 1]
  if (low === undefined || high === undefined || high.load === low.load) return null
  const x1 = low.deliveredPerSec ?? 0
  const x2 = high.deliveredPerSec ?? 0
  const y1 = low.serverCpuCores ?? 0
  const y2 = high.serverCpuCores ?? 0
  if (x2 <= x1) return null
  const marginalCoresPerDelivery = (y2 - y1) / (x2 - x1)
  if (marginalCoresPerDelivery <= 0) return null
  const fixedCores = y1 - marginalCoresPerDelivery * x1
  const deliveriesPerSec = (serverCores - fixedCores) / marginalCoresPerDelivery
  const deliveriesPerLoad = x2 / high.load
  return {
    fromLoads: [low.load, high.load],
    marginalCpuUsPerDelivery: marginalCoresPerDelivery * 1e6,
    fixedCpuCores: fixedCores,
    deliveriesPerSec,
    load: deliveriesPerSec / deliveriesPerLoad,
  }
}

/** What the capacity search reports while it works. */
export interface CapacityProgress {
  stepStarted? (plan: RoundPlan, load: number, dimension: LoadDimension): void
  stepFinished? (transport: TransportName, step: CapacityStep): void
}

/** Options of one capacity run. */
export interface CapacityOptions {
  /** Wall-clock budget of the whole run, ms. */
  readonly maxTimeMs: number
  readonly cpus?: CpuPinning
}

/**
 * Searches, per scenario and transport, the highest load at which a round passes (judgeCapacityStep):
 * ×2 per step from the scenario's load until a step fails or the load's ceiling is reached, then
 * bisection. Every step is a real round with fresh processes; a step whose generator saturated with
 * nothing lost is run once more (as the suite does) before it counts. The time budget is shared
 * equally by the searches still to run; a search that would overrun it stops and says so.
 */
export async function runCapacity (input: RunPlanInput, options: CapacityOptions, progress: CapacityProgress = {},
  random: () => number = Math.random): Promise<CapacityResult[]> {
  const started = performance.now()
  const searches = input.scenarios.flatMap((scenario) => shuffle(applicableTransports(input, scenario), random).map((transport) => ({ scenario, transport })))
  const results: CapacityResult[] = []
  for (const [i, { scenario, transport }] of searches.entries()) {
    const left = options.maxTimeMs - (performance.now() - started)
    const deadline = performance.now() + left / (searches.length - i)
    const base = {
      transport,
      workers: input.workers,
      target: input.target,
      network: input.network,
      ...wireOf(input),
      ...(input.cpus === undefined ? {} : { cpus: input.cpus }),
    }
    results.push(await searchOne(scenario, base, deadline, progress))
  }
  return results
}

async function searchOne (scenario: ScenarioConfig, base: Omit<RoundPlan, 'round' | 'order' | 'scenario'>, deadline: number,
  progress: CapacityProgress): Promise<CapacityResult> {
  const dimension = loadDimensionOf(scenario)
  const sloP99Us = scenario.slo.p99Ms * 1000
  const serverCores = base.cpus?.server?.length ?? 1
  const machine = dimension === 'clients' ? machineClientLimit(scenario.pattern) : null
  const ceiling = dimension === 'clients' ? Math.min(MAX_CLIENTS, machine?.clients ?? MAX_CLIENTS) : MAX_RATE_PER_SEC
  const first = dimension === 'clients' ? Math.min(scenario.clients, FIRST_CLIENT_STEP) : scenario.ratePerSec
  const steps: CapacityStep[] = []
  let timeCapHit = false
  let lastStepMs = 0

  const measure = async (load: number): Promise<CapacityStep | null> => {
    if (performance.now() + lastStepMs > deadline) {
      timeCapHit = true
      return null
    }
    const t0 = performance.now()
    const plan: RoundPlan = { ...base, scenario: atLoad(scenario, dimension, load), round: steps.length + 1, order: steps.length + 1 }
    progress.stepStarted?.(plan, load, dimension)
    let step: CapacityStep
    try {
      let round = buildRoundResult(await runRound(plan))
      if (isRerunnable(round)) round = buildRoundResult(await runRound(plan))
      step = judgeCapacityStep(round, load, sloP99Us, plan.scenario.warmupMs + plan.scenario.durationMs)
    } catch (err) {
      step = { load, clients: plan.scenario.clients, status: 'failed', reasons: [(err as Error).message] }
    }
    lastStepMs = performance.now() - t0
    steps.push(step)
    progress.stepFinished?.(base.transport, step)
    return step
  }

  let passed: number | null = null
  let failed: CapacityStep | null = null
  let load = first
  // geometric phase: up until a failure or the ceiling
  for (;;) {
    const step = await measure(load)
    if (step === null) break
    if (step.status === 'passed') {
      passed = load
      if (load >= ceiling || failed !== null) break
      load = nextLoad(Math.min(ceiling, load * GROWTH), dimension)
    } else {
      failed = step
      // the scenario's own load already fails: look below it
      if (passed === null && load > lowestLoad(dimension) && steps.length < 4) {
        load = nextLoad(load / GROWTH, dimension)
        continue
      }
      break
    }
  }
  // bisection between the highest pass and the lowest failure
  while (passed !== null && failed !== null && failed.load / passed > RESOLUTION) {
    const mid = nextLoad(Math.sqrt(passed * failed.load), dimension)
    if (mid <= passed || mid >= failed.load) break
    const step = await measure(mid)
    if (step === null) break
    if (step.status === 'passed') passed = mid
    else failed = step
  }

  const best = passed === null ? undefined : steps.find((s) => s.load === passed && s.status === 'passed')
  const endedBy: CapacityResult['endedBy'] = failed !== null
    ? limitOf(failed, serverCores)
    : timeCapHit
      ? { limit: 'max-time', detail: 'the time budget (--max-time) ran out before a step failed' }
      : dimension === 'clients' && machine !== null && ceiling === machine.clients
        ? { limit: 'file-descriptors', detail: machine.bound }
        : { limit: 'max-load', detail: `the largest ${dimension === 'clients' ? 'client count' : 'rate'} this suite runs (${ceiling.toLocaleString('en-US')}) passed` }
  return {
    scenario: scenario.name,
    transport: base.transport,
    dimension,
    sloP99Us,
    serverCores,
    steps,
    maxLoad: passed,
    ...(best === undefined
      ? {}
      : {
          maxDeliveriesPerSec: best.deliveredPerSec ?? 0,
          maxDeliveriesPerSecPerCore: (best.deliveredPerSec ?? 0) / serverCores,
          maxConnectionsAtSlo: best.clients,
        }),
    endedBy,
    timeCapHit,
    projection: projectCapacity(steps, serverCores),
  }
}

function lowestLoad (dimension: LoadDimension): number {
  return dimension === 'clients' ? 1 : 0.01
}

/** Loads as the scenario can hold them: whole clients; rates to three significant digits. */
function nextLoad (value: number, dimension: LoadDimension): number {
  if (dimension === 'clients') return Math.max(1, Math.round(value))
  return Math.max(lowestLoad(dimension), Number(value.toPrecision(3)))
}
