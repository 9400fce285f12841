import { performance } from 'node:perf_hooks'
import { mergeOptions, resolveScenario, type ScenarioConfig } from '../core/config.ts'
import { errors } from '../core/errors.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { roundCost } from '../results/cost.ts'
import type { MapPoint, MapResult, RoundResult } from '../results/schema.ts'
import type { CpuPinning } from './cpu-pinning.ts'
import type { NetworkProfile } from './network-profiles.ts'
import { runRound, type RoundPlan } from './round.ts'
import { buildRoundResult, isRerunnable } from './round-result.ts'
import { shuffle } from './suite.ts'

/** Per-client rates of the default map, msg/s: from a message every 100 s to 100 a second. */
export const MAP_RATES_PER_SEC: readonly number[] = [0.01, 0.1, 1, 10, 100]
/** Connection counts of the default map. */
export const MAP_CLIENTS: readonly number[] = [100, 1_000, 5_000]
/** --quick: a coarser, smaller map. */
export const QUICK_MAP_RATES_PER_SEC: readonly number[] = [0.01, 1, 100]
/** --quick connection counts. */
export const QUICK_MAP_CLIENTS: readonly number[] = [100]
/**
 * Points above this many deliveries per second are not run: on 2 cores one load-generator process
 * saturates before the server near there, so such a point would measure the generator (and be INVALID).
 */
export const MAP_MAX_DELIVERIES_PER_SEC = 20_000
/** Budget of the whole map, ms: it caps the default map's 48 rounds on 2 cores (a point that would overrun it is not run). */
export const DEFAULT_MAP_MAX_TIME_MS = 10 * 60_000
/** Window and warm-up of every point, ms; --duration / --warmup override them. */
export const MAP_WINDOW_MS = { durationMs: 3_000, warmupMs: 500 } as const
/** Highest per-client rate and connection count a map axis accepts. */
export const MAP_MAX_RATE_PER_SEC = 1_000
const MAP_MAX_CLIENTS = 20_000

/**
 * The map's workload: one stream per client (so the per-client rate is the axis), 128 B payloads,
 * polling every 1 s, transports' other options at their defaults; layered under the command line's
 * scenario overrides (--duration, --warmup, --payload, --write-policy, --slo-p99).
 */
export function mapScenario (overrides: Readonly<Record<string, unknown>> = {}): ScenarioConfig {
  return resolveScenario(mergeOptions({
    name: 'map',
    description: 'Workload map: one stream per client at the per-client rate of the point.',
    pattern: 'per-client',
    payloadBytes: 128,
    ...MAP_WINDOW_MS,
    connectConcurrency: 200,
    transports: { poll: { intervalMs: 1_000 } },
  }, overrides as Record<string, unknown>), 'map')
}

/** Parses a --map-rates / --map-clients list; one clear error naming the option, the value and what is allowed. */
export function parseMapAxis (option: '--map-rates' | '--map-clients', text: string): number[] {
  const allowed = option === '--map-rates'
    ? `a comma-separated list of per-client rates in msg/s, each > 0 and <= ${MAP_MAX_RATE_PER_SEC}, e.g. 0.01,1,100`
    : `a comma-separated list of connection counts, each an integer from 1 to ${MAP_MAX_CLIENTS.toLocaleString('en-US')}, e.g. 100,1000`
  const items = text.split(',').map((s) => s.trim())
  const values = items.map(Number)
  const isBad = (v: number, i: number): boolean => items[i] === '' || !Number.isFinite(v) || v <= 0 ||
    (option === '--map-rates' ? v > MAP_MAX_RATE_PER_SEC : !Number.isInteger(v) || v > MAP_MAX_CLIENTS)
  if (items.length === 0 || values.some(isBad)) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), allowed)
  return [...new Set(values)].sort((a, b) => a - b)
}

/** What a map run needs. */
export interface MapInput {
  readonly scenario: ScenarioConfig
  readonly transports: readonly TransportName[]
  readonly ratesPerSec: readonly number[]
  readonly clients: readonly number[]
  readonly workers: number
  readonly network: NetworkProfile
  readonly cpus?: CpuPinning
  /** How rounds reach the server: TLS / HTTP version, the run's certificate, the kind of client, generators on other hosts. */
  readonly wire?: Pick<RoundPlan, 'variant' | 'certificate' | 'clientsIn' | 'remote'>
  /** Wall-clock budget, ms: a point that would overrun it is not run, and the map says so. */
  readonly maxTimeMs: number
}

/** What the map reports while it works. */
export interface MapProgress {
  pointStarted? (plan: RoundPlan, index: number, total: number): void
  pointFinished? (point: MapPoint): void
}

/** The scenario of one point: the map's workload at `clients` connections and `ratePerSec` per client. */
export function atPoint (scenario: ScenarioConfig, clients: number, ratePerSec: number): ScenarioConfig {
  return resolveScenario(mergeOptions(scenario as unknown as Record<string, unknown>, { clients, ratePerSec }), scenario.name)
}

/** A measured round as a map point (figures computed by results/cost.ts, as the verdict's cost is). */
export function pointOf (round: RoundResult, ratePerSec: number, runMs: number): MapPoint {
  const cost = roundCost(round, runMs)
  return {
    transport: round.transport,
    clients: round.clients,
    ratePerSec,
    status: round.status === 'valid' ? 'measured' : 'invalid',
    reasons: [...round.invalidReasons],
    serverCpuCores: cost.serverCpuCores,
    downBytesPerSec: cost.downBytesPerSec,
    upBytesPerSec: cost.upBytesPerSec,
    p50Us: round.latency.p50Us,
    p99Us: round.latency.p99Us,
    latencySamples: round.latency.count,
    deliveredPerSec: round.deliveredPerSec,
    targetPerSec: round.targetPerSec,
    ...(cost.memoryPerConnectionBytes === undefined ? {} : { memoryPerConnectionBytes: cost.memoryPerConnectionBytes }),
    setupBytesPerConnection: (round.bytes.setupRead + round.bytes.setupWritten) / Math.max(1, round.clients),
  }
}

/**
 * Sweeps the per-client rate at each connection count for every transport. Every point is one real
 * round with fresh processes (a round whose generator saturated with nothing lost runs once more, as
 * the suite does); transports run in a random order at each (clients, rate) so drift favours none.
 * Points above MAP_MAX_DELIVERIES_PER_SEC, and points that would overrun the time budget, are listed
 * as not run with the reason.
 */
export async function runMap (input: MapInput, progress: MapProgress = {}, random: () => number = Math.random): Promise<MapResult> {
  const started = performance.now()
  const { scenario } = input
  const points: MapPoint[] = []
  const todo: Array<{ clients: number, ratePerSec: number, transport: TransportName }> = []
  for (const clients of input.clients) {
    for (const ratePerSec of input.ratesPerSec) {
      if (clients * ratePerSec > MAP_MAX_DELIVERIES_PER_SEC) {
        for (const transport of input.transports) {
          points.push(notRun(transport, clients, ratePerSec, `${(clients * ratePerSec).toLocaleString('en-US')} deliveries/s is above the ${MAP_MAX_DELIVERIES_PER_SEC.toLocaleString('en-US')} a map point runs (one load generator on this machine saturates near there)`))
        }
        continue
      }
      for (const transport of shuffle(input.transports, random)) todo.push({ clients, ratePerSec, transport })
    }
  }
  let timeCapHit = false
  let slowestMs = 0
  const runMs = scenario.warmupMs + scenario.durationMs
  for (const [i, { clients, ratePerSec, transport }] of todo.entries()) {
    if (performance.now() - started + slowestMs > input.maxTimeMs) {
      timeCapHit = true
      points.push(notRun(transport, clients, ratePerSec, 'the time budget (--max-time) ran out before this point'))
      continue
    }
    const t0 = performance.now()
    const plan: RoundPlan = {
      scenario: atPoint(scenario, clients, ratePerSec),
      transport,
      round: 1,
      order: i + 1,
      workers: input.workers,
      target: null,
      network: input.network,
      ...(input.cpus === undefined ? {} : { cpus: input.cpus }),
      ...input.wire,
    }
    progress.pointStarted?.(plan, i + 1, todo.length)
    let point: MapPoint
    try {
      let round = buildRoundResult(await runRound(plan))
      if (isRerunnable(round)) round = buildRoundResult(await runRound(plan))
      point = pointOf(round, ratePerSec, runMs)
    } catch (err) {
      point = { transport, clients, ratePerSec, status: 'invalid', reasons: [(err as Error).message] }
    }
    slowestMs = Math.max(slowestMs, performance.now() - t0)
    points.push(point)
    progress.pointFinished?.(point)
  }
  const t = scenario.transports
  return {
    network: input.network.name,
    payloadBytes: scenario.payloadBytes,
    pollIntervalMs: t.poll.intervalMs,
    heartbeatMs: t.sse.heartbeatMs,
    longPollHoldMs: t.longPoll.holdMs,
    durationMs: scenario.durationMs,
    warmupMs: scenario.warmupMs,
    serverCores: input.cpus?.server?.length ?? 1,
    ratesPerSec: [...input.ratesPerSec],
    clients: [...input.clients],
    points: points.sort((a, b) => a.clients - b.clients || a.ratePerSec - b.ratePerSec || a.transport.localeCompare(b.transport)),
    timeCapHit,
    elapsedMs: performance.now() - started,
  }
}

function notRun (transport: TransportName, clients: number, ratePerSec: number, reason: string): MapPoint {
  return { transport, clients, ratePerSec, status: 'not-run', reasons: [reason] }
}
