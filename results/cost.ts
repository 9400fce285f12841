import type { ScenarioConfig } from '../core/config.ts'
import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import type { CapacityResult, RoundResult, RunResult } from './schema.ts'
import { medianInterval, type MedianInterval } from './summary.ts'

/** Cost is stated for this many users (one user = one connection at the workload's per-user rate). */
export const USERS_PER_COST = 10_000
/** Seconds in the month egress is stated for (30 days). */
export const SECONDS_PER_MONTH = 30 * 86_400
/** Memory per connection is only a figure from rounds with at least this many connections: below, page and GC granularity decide it. */
export const MIN_MEMORY_CONNECTIONS = 1_000
/** What a cost shows instead of a memory figure from a round with fewer connections. */
export const MEMORY_NOT_MEASURED = 'not measured: too few connections'

/**
 * Server CPU as cores busy (1 = one core full) at the round's offered load, without the publisher
 * clock's precision cost (not work per message): over the measured window (steady state; its idle costs,
 * heartbeats and timers, included) when the server read its CPU there. Otherwise (a restarted server, an
 * older result) over the whole run, warm-up included, which overstates it: the warm-up's JIT costs the
 * server more than the window does. The CPU spent draining the run's last messages then counts; the idle
 * wait for the reports after it does not dilute it.
 */
export function serverCpuCores (round: RoundResult, runMs: number): number {
  if (round.server.windowCpuCores !== undefined) return round.server.windowCpuCores
  const p = round.server.process
  const precision = (round.server.publisherSpinUs ?? 0) + (round.server.publisherWorkerCpuUs ?? 0)
  return Math.max(0, p.cpuUserUs + p.cpuSystemUs - precision) / (runMs * 1000)
}

/** Everything one round costs at its offered load, in units a capacity plan uses. */
export interface RoundCost {
  /** Server CPU, cores busy at the offered load (1 = one core full). */
  readonly serverCpuCores: number
  /** Server → client bytes per second on the wire, all clients (steady state: framing, headers, heartbeats, polls). */
  readonly downBytesPerSec: number
  /** Client → server bytes per second on the wire, all clients. */
  readonly upBytesPerSec: number
  /** Server RSS growth per idle connection; undefined below MIN_MEMORY_CONNECTIONS connections. */
  readonly memoryPerConnectionBytes: number | undefined
  /** Server cores per USERS_PER_COST users at this per-user rate. */
  readonly coresPer10k: number
  /** Server memory per USERS_PER_COST idle connections, bytes; undefined when not measured. */
  readonly memoryPer10kBytes: number | undefined
  /** Egress (server → client) per USERS_PER_COST users over a 30-day month, GB (10^9 bytes). */
  readonly egressGbPerMonthPer10k: number
}

/**
 * What one round costs. Bytes per second are the round's steady bytes per received message times the
 * messages delivered per second, so the idle traffic (heartbeats, empty polls) of the whole run is
 * spread over what it delivered, as bytes/msg is. Per-user figures scale linearly from the round's
 * clients: the server process's own fixed cost is shared by those clients, which overstates the cost
 * of a user when there are few of them.
 */
export function roundCost (round: RoundResult, runMs: number): RoundCost {
  const received = Math.max(1, round.counters.received)
  const downBytesPerSec = round.bytes.steadyRead / received * round.deliveredPerSec
  const upBytesPerSec = round.bytes.steadyWritten / received * round.deliveredPerSec
  const cores = serverCpuCores(round, runMs)
  const memory = round.clients >= MIN_MEMORY_CONNECTIONS ? round.server.idleMemoryPerConnectionBytes : undefined
  const perUser = USERS_PER_COST / Math.max(1, round.clients)
  return {
    serverCpuCores: cores,
    downBytesPerSec,
    upBytesPerSec,
    memoryPerConnectionBytes: memory,
    coresPer10k: cores * perUser,
    memoryPer10kBytes: memory === undefined ? undefined : memory * USERS_PER_COST,
    egressGbPerMonthPer10k: downBytesPerSec * perUser * SECONDS_PER_MONTH / 1e9,
  }
}

/** Marginal server CPU per extra delivery, from two loads of the same (scenario, transport). */
export interface MarginalCpu {
  readonly usPerDelivery: number
  /** The two loads it was fitted through, in the source's dimension. */
  readonly fromLoads: readonly [number, number]
  readonly source: 'capacity'
}

/** Memory per connection: a figure from ≥ 1,000 connections, or why there is none. */
export type MemoryCost =
  | { readonly measured: true, readonly perConnectionBytes: MedianInterval, readonly per10kBytes: MedianInterval }
  | { readonly measured: false, readonly reason: string }

/** Cost of one (scenario, transport) at the workload's load, medians over valid rounds with their intervals. */
export interface TransportCost {
  readonly scenario: string
  readonly transport: TransportName
  readonly validRounds: number
  readonly clients: number
  /** Deliveries per user per second the workload asks for. */
  readonly perUserDeliveriesPerSec: number
  readonly serverCpuCores: MedianInterval
  /** Share of the server's cores busy (serverCpuCores / server cores). */
  readonly serverCpuShare: MedianInterval
  readonly serverCores: number
  readonly downBytesPerSec: MedianInterval
  readonly upBytesPerSec: MedianInterval
  readonly memory: MemoryCost
  readonly marginalCpu: MarginalCpu | null
  readonly per10k: {
    readonly serverCores: MedianInterval
    readonly egressGbPerMonth: MedianInterval
  }
}

/** The cost of every (scenario, transport) with rounds, scenario order then registry order. */
export function costOfRun (result: RunResult): TransportCost[] {
  const serverCores = result.options.cpus?.server?.length ?? 1
  const names = [...new Set(result.rounds.map((r) => r.scenario))]
  return names.flatMap((scenario) => {
    const config = result.scenarios.find((s) => s.name === scenario)
    const present = new Set(result.rounds.filter((r) => r.scenario === scenario).map((r) => r.transport))
    return TRANSPORT_NAMES.filter((t) => present.has(t)).map((transport) =>
      costOf(scenario, transport, result.rounds, config, serverCores, result.capacity ?? []))
  })
}

/** The cost of one (scenario, transport) from its valid rounds. */
export function costOf (scenario: string, transport: TransportName, rounds: readonly RoundResult[], config: ScenarioConfig | undefined,
  serverCores: number, capacity: readonly CapacityResult[] = []): TransportCost {
  const valid = rounds.filter((r) => r.scenario === scenario && r.transport === transport && r.status === 'valid')
  const costs = valid.map((r) => roundCost(r, (config?.warmupMs ?? 0) + r.measuredMs))
  const of = (pick: (c: RoundCost) => number): MedianInterval => medianInterval(costs.map(pick))
  const clients = valid[0]?.clients ?? config?.clients ?? 0
  const memories = costs.flatMap((c) => c.memoryPerConnectionBytes === undefined ? [] : [c.memoryPerConnectionBytes])
  const memoryMedian = memories.length > 0 ? medianInterval(memories) : null
  // RSS that did not grow while the clients connected is the garbage collector's doing, not a memory cost
  const memory: MemoryCost = memoryMedian !== null && memoryMedian.median > 0
    ? { measured: true, perConnectionBytes: memoryMedian, per10kBytes: medianInterval(memories.map((m) => m * USERS_PER_COST)) }
    : {
        measured: false,
        reason: valid.length === 0
          ? 'not measured: no valid round'
          : memoryMedian === null ? MEMORY_NOT_MEASURED : `not measured: server RSS did not grow while the clients connected (median ${Math.round(memoryMedian.median)} B per connection)`,
      }
  const cores = of((c) => c.serverCpuCores)
  const perUser = valid.length === 0 ? Number.NaN : medianInterval(valid.map((r) => r.targetPerSec / Math.max(1, r.clients))).median
  return {
    scenario,
    transport,
    validRounds: valid.length,
    clients,
    perUserDeliveriesPerSec: perUser,
    serverCpuCores: cores,
    serverCpuShare: scaleInterval(cores, 1 / serverCores),
    serverCores,
    downBytesPerSec: of((c) => c.downBytesPerSec),
    upBytesPerSec: of((c) => c.upBytesPerSec),
    memory,
    marginalCpu: marginalFromCapacity(capacity.find((c) => c.scenario === scenario && c.transport === transport)),
    per10k: { serverCores: of((c) => c.coresPer10k), egressGbPerMonth: of((c) => c.egressGbPerMonthPer10k) },
  }
}

/** Marginal CPU per delivery from a capacity search's projection (two passing loads), or null. */
function marginalFromCapacity (c: CapacityResult | undefined): MarginalCpu | null {
  const p = c?.projection
  if (p === undefined || p === null) return null
  return { usPerDelivery: p.marginalCpuUsPerDelivery, fromLoads: [p.fromLoads[0] ?? 0, p.fromLoads[1] ?? 0], source: 'capacity' }
}

/** An interval with every bound multiplied by a positive factor. */
export function scaleInterval (i: MedianInterval, factor: number): MedianInterval {
  return { ...i, median: i.median * factor, lo: i.lo * factor, hi: i.hi * factor }
}

/** Headroom of a transport at the workload's load: how many times the load it could carry. */
export interface Headroom {
  /** Capacity load / the workload's load; Infinity when nothing was busy. */
  readonly factor: number
  /** 'capacity': a capacity search measured it; 'capacity-at-least': the search ended before a limit (a lower bound); 'cpu-projection': 1 / server CPU share at the offered load. */
  readonly source: 'capacity' | 'capacity-at-least' | 'cpu-projection'
  /** In words, with the figures it came from. */
  readonly detail: string
}

/**
 * Headroom from a capacity search of the same (scenario, transport) when the run has one (its highest
 * passing load / the workload's load in the search's dimension), otherwise projected from the server's
 * CPU share at the offered load (1 / share: where the server's cores would be full if CPU grew in
 * proportion to load, which ignores any other limit).
 */
export function headroomOf (cost: TransportCost, config: ScenarioConfig | undefined, capacity: CapacityResult | undefined): Headroom {
  if (capacity !== undefined && config !== undefined) {
    const load = capacity.dimension === 'clients' ? config.clients : config.ratePerSec
    const unit = capacity.dimension === 'clients' ? 'clients' : 'msg/s'
    if (capacity.maxLoad === null) return { factor: 0, source: 'capacity', detail: `the capacity search passed no load (${capacity.endedBy.detail})` }
    const isLowerBound = capacity.endedBy.limit === 'max-load' || capacity.endedBy.limit === 'max-time' || capacity.endedBy.limit === 'generator'
    return {
      factor: capacity.maxLoad / load,
      source: isLowerBound ? 'capacity-at-least' : 'capacity',
      detail: `capacity search: ${isLowerBound ? 'at least ' : ''}${capacity.maxLoad} ${unit} passed vs the workload's ${load} ${unit}`,
    }
  }
  const share = cost.serverCpuShare.median
  return {
    factor: share > 0 ? 1 / share : Number.POSITIVE_INFINITY,
    source: 'cpu-projection',
    detail: `projected: the server used ${(share * 100).toFixed(1)} % of its ${cost.serverCores === 1 ? 'core' : `${cost.serverCores} cores`} at the offered load (1 / share, CPU only)`,
  }
}
