import { Type, type Static } from '@sinclair/typebox'
import { ScenarioSchema } from '../core/config.ts'
import { DeliveryCountersSchema, MissingSeqsSchema, ProcessStatsSchema, WireBytesSchema } from '../core/measures.ts'
import { TRANSPORT_NAMES } from '../core/wire-protocol.ts'
import { HTTP_VERSIONS, PLAIN_HTTP1, type WireVariant } from '../core/wire-variant.ts'

/** Version of the result file format; bump on any incompatible change. */
export const SCHEMA_VERSION = 1

const Int = (description?: string) => Type.Integer(description === undefined ? {} : { description })
const Num = (description?: string) => Type.Number(description === undefined ? {} : { description })

const TransportSchema = Type.Union(TRANSPORT_NAMES.map((t) => Type.Literal(t)))

const HistogramSummarySchema = Type.Object({
  count: Int(), minUs: Int(), meanUs: Int(), p50Us: Int(), p90Us: Int(), p99Us: Int(), p999Us: Int(), maxUs: Int(),
}, { additionalProperties: false })

/** One (scenario, transport, round): everything measured, histograms encoded. */
export const RoundResultSchema = Type.Object({
  scenario: Type.String(),
  transport: TransportSchema,
  round: Int('1-based round number'),
  order: Int('position in the interleaved execution order, 1-based'),
  /**
   * valid; invalid; or rerun: INVALID only because a load generator saturated, with nothing lost, and run
   * once more (the next round with the same scenario, transport and round number). A rerun round is kept and
   * shown, never counted in a figure, and does not make the run invalid.
   */
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('rerun')]),
  /** Why the round cannot be trusted (saturated generator, unexplained loss, out-of-range latency, …). */
  invalidReasons: Type.Array(Type.String()),
  measuredMs: Num('length of the measured window, ms'),
  clients: Int(),
  counters: DeliveryCountersSchema,
  missing: Type.Array(MissingSeqsSchema),
  histograms: Type.Object({
    latency: Type.String({ description: 'delivery latency from tSched, µs, compressed base64' }),
    latencyFromSend: Type.String({ description: 'delivery latency from tSend, µs' }),
    connect: Type.String({ description: 'connect time, µs' }),
    firstMessage: Type.String({ description: 'connect start to first message, µs' }),
    recover: Type.Optional(Type.String({ description: 'dropped connection noticed to resumed connection usable, µs' })),
  }, { additionalProperties: false }),
  latency: HistogramSummarySchema,
  /** Time to recover from dropped connections (present when a connection dropped and resumed). */
  recover: Type.Optional(HistogramSummarySchema),
  /** Clients connected per second while the round's clients connected. */
  connectRatePerSec: Type.Optional(Num('clients connected per second')),
  outOfRange: Int(),
  deliveredInWindow: Int(),
  deliveredPerSec: Num('messages received per second in the measured window, all clients'),
  /** Per 1-second bucket of the measured window (by tSched), all load generators' histograms added; absent in older files. */
  timeline: Type.Optional(Type.Array(Type.Object({
    second: Int('0-based second of the measured window'),
    delivered: Int('first deliveries scheduled in this second'),
    p50Us: Int(),
    p99Us: Int(),
    maxUs: Int(),
  }, { additionalProperties: false }))),
  targetPerSec: Num('messages per second the scenario asks to deliver, all clients'),
  bytes: WireBytesSchema,
  payloadBytesReceived: Int(),
  bytesPerMessage: Num('steady-state bytes read by clients per delivered message'),
  overheadBytesPerMessage: Num('bytesPerMessage minus the average payload bytes'),
  /** Set when the clients could not count wire bytes (browser clients): bytes, bytesPerMessage and overheadBytesPerMessage are 0 and mean nothing. */
  bytesNotMeasured: Type.Optional(Type.String()),
  /** Chromium clients: each page's clock alignment and what it received (tabs that got nothing show here). */
  browser: Type.Optional(Type.Object({
    clockBoundUs: Int('largest error bound of a page clock\'s offset to the server clock (half its best round trip), µs'),
    pages: Type.Array(Type.Object({
      loadgen: Int(),
      page: Int('0-based page (tab) of its load generator'),
      clients: Int(),
      clockBoundUs: Int(),
      firstMessageMs: Type.Union([Num('ms from the run start to the page\'s first envelope'), Type.Null()]),
      received: Int('envelopes the page received, duplicates included'),
      neverConnected: Int('clients of the page whose connection never became usable'),
      movedToSend: Int('receive times read before tSend within the clock bound, moved up to tSend'),
      protocol: Type.String({ description: 'protocol the page was loaded over (nextHopProtocol: http/1.1, h2)' }),
    }, { additionalProperties: false })),
  }, { additionalProperties: false })),
  server: Type.Object({
    process: ProcessStatsSchema,
    openConnections: Int(),
    slowConsumerCuts: Int(),
    published: Int(),
    upstreamReceived: Int(),
    cpuUsPerMessage: Num('server CPU (user + system) µs per delivered message over the measured window (CPU in the window ÷ deliveredInWindow; the whole run ÷ messages received when the window was not measured: a restarted server), less the publisher clock\'s busy-wait and worker'),
    /** Publish time − scheduled time of every message the server published in the run: the harness's own timer error. */
    publishLag: Type.Optional(Type.Object({
      histogram: Type.String({ description: 'publish − schedule, µs, compressed base64' }),
      p50Us: Num(),
      p99Us: Num(),
      maxUs: Num(),
      count: Int(),
    }, { additionalProperties: false })),
    /** µs the server's main thread busy-waited for publish deadlines in the run: the precision's cost, kept out of cpuUsPerMessage. */
    windowCpuCores: Type.Optional(Num('server CPU over the measured window as cores busy (1 = one core full), less the publisher clock\'s precision cost: the steady state at the offered load, without the warm-up; absent when the window was not measured')),
    publisherSpinUs: Type.Optional(Num('µs of busy-waiting for publish deadlines')),
    /** CPU µs of the publisher clock's worker thread in the run (its wake-ups), also kept out of cpuUsPerMessage. */
    publisherWorkerCpuUs: Type.Optional(Num('µs of CPU of the publish clock\'s worker thread')),
    /** Server RSS growth from before the clients connected to after, divided by clients, before any message flows. */
    idleMemoryPerConnectionBytes: Type.Optional(Num('bytes per idle connection')),
    faultDrops: Type.Optional(Int('client connections the server dropped on purpose (faults.dropSharePerSec)')),
  }, { additionalProperties: false }),
  loadgens: Type.Array(ProcessStatsSchema),
  /** Load-generator CPU (user + system, all its processes) µs per delivered message: must stay below the server's for the round to measure the server. */
  loadgenCpuUsPerMessage: Type.Optional(Num('load-generator CPU µs per delivered message, over the measured window as for server.cpuUsPerMessage (whole run for browser generators)')),
  /** The server the runner started was killed and replaced during the round (faults.restartAtMs). */
  restart: Type.Optional(Type.Object({
    atMs: Int('ms after the run started at which the server was killed (SIGKILL)'),
    downMs: Int('ms from the kill until the new server was publishing'),
    epochBefore: Type.String(),
    epochAfter: Type.String(),
    /** What the result can and cannot tell about the restart (reconciliation covers the new epoch only). */
    note: Type.String(),
  }, { additionalProperties: false })),
  /** Remote load generators' clock offsets to the server, estimated before the round (absent: every generator on the server's host). */
  clocks: Type.Optional(Type.Array(Type.Object({
    worker: Int('load generator index'),
    offsetUs: Int('server clock − generator clock, µs, added to the generator\'s receive times'),
    boundUs: Int('half the round trip of the exchange the offset came from, µs: the offset is right within ± this'),
  }, { additionalProperties: false }))),
}, { additionalProperties: false })

const RampStepSchema = Type.Object({
  clients: Int(),
  status: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped')]),
  /** Why the step failed or was skipped (empty when it passed). */
  reasons: Type.Array(Type.String()),
  connectRatePerSec: Type.Optional(Num('clients connected per second')),
  p50Us: Type.Optional(Int()),
  p99Us: Type.Optional(Int()),
  deliveredPerSec: Type.Optional(Num()),
  targetPerSec: Type.Optional(Num()),
  serverRssBytes: Type.Optional(Int('server RSS at the end of the step')),
  memoryPerConnectionBytes: Type.Optional(Num('server RSS growth per connected client, before any message')),
  serverCpuUsPerMessage: Type.Optional(Num()),
  lost: Type.Optional(Int()),
  errors: Type.Optional(Int()),
}, { additionalProperties: false })

/** A client ramp (scenario ramp.steps > 0) for one transport: one step per client count, ending at the first failed step. */
export const RampResultSchema = Type.Object({
  scenario: Type.String(),
  transport: TransportSchema,
  p99LimitUs: Int('a step passes when its delivery p99 is below this'),
  /** Most clients of a passed step, or null when no step passed. */
  maxClientsUnderLimit: Type.Union([Int(), Type.Null()]),
  steps: Type.Array(RampStepSchema),
}, { additionalProperties: false })

const CapacityStepSchema = Type.Object({
  /** The load of this step in the search's dimension: clients, or messages per second (per stream, or per client for chat / rpc). */
  load: Num(),
  clients: Int(),
  status: Type.Union([Type.Literal('passed'), Type.Literal('failed')]),
  /** Why the step failed (empty when it passed). */
  reasons: Type.Array(Type.String()),
  p50Us: Type.Optional(Int()),
  p99Us: Type.Optional(Int()),
  deliveredPerSec: Type.Optional(Num()),
  targetPerSec: Type.Optional(Num()),
  lost: Type.Optional(Int()),
  errors: Type.Optional(Int()),
  serverCpuCores: Type.Optional(Num('server CPU in cores busy (1 = one core full), without the publisher clock\'s precision cost')),
  serverCpuUsPerDelivery: Type.Optional(Num('server CPU µs per delivered message')),
  loadgenCpuCores: Type.Optional(Num('load-generator CPU in cores busy, all its processes')),
  loadgenCpuUsPerDelivery: Type.Optional(Num('load-generator CPU µs per delivered message')),
  serverRssBytes: Type.Optional(Int()),
  /** Server RSS growth per connected client before any message; only from steps of 1,000 connections or more. */
  memoryPerConnectionBytes: Type.Optional(Num('bytes per idle connection')),
  generatorSaturated: Type.Optional(Type.Boolean()),
}, { additionalProperties: false })

/** One transport's capacity search (npm run bench -- --capacity): every step is a real round. */
export const CapacityResultSchema = Type.Object({
  scenario: Type.String(),
  transport: TransportSchema,
  /** What was raised: connected clients, or the message rate. */
  dimension: Type.Union([Type.Literal('clients'), Type.Literal('ratePerSec')]),
  sloP99Us: Num('a step passes only when its delivery p99 is at most this'),
  /** Cores the server was pinned to (1 when it was not pinned). */
  serverCores: Int(),
  steps: Type.Array(CapacityStepSchema),
  /** Highest load that passed, or null when none did. */
  maxLoad: Type.Union([Num(), Type.Null()]),
  maxDeliveriesPerSec: Type.Optional(Num('deliveries per second at the highest passing load')),
  maxDeliveriesPerSecPerCore: Type.Optional(Num('the same per server core')),
  maxConnectionsAtSlo: Type.Optional(Int('clients of the highest passing load')),
  /** What ended the search. */
  endedBy: Type.Object({
    limit: Type.Union(['server-cpu', 'memory', 'file-descriptors', 'slo', 'delivery', 'generator', 'max-load', 'max-time'].map((l) => Type.Literal(l))),
    detail: Type.String(),
  }, { additionalProperties: false }),
  timeCapHit: Type.Boolean(),
  /** Where the server's cores would be full, from server CPU at two passing loads (a projection, not a measurement). */
  projection: Type.Union([Type.Object({
    fromLoads: Type.Array(Num(), { minItems: 2, maxItems: 2 }),
    marginalCpuUsPerDelivery: Num('server CPU µs per extra delivery'),
    fixedCpuCores: Num('server CPU at no load, cores (timers, heartbeats, idle connections)'),
    deliveriesPerSec: Num('projected deliveries per second with the server cores full'),
    load: Num('the same in the search\'s dimension'),
  }, { additionalProperties: false }), Type.Null()]),
}, { additionalProperties: false })

/** One point of the workload map: one real round at (transport, clients, per-client rate), or why it was not run. */
export const MapPointSchema = Type.Object({
  transport: TransportSchema,
  clients: Int(),
  ratePerSec: Num('messages per second per client (one stream per client)'),
  /** measured: a valid round; invalid: the round ran and cannot be trusted; not-run: skipped (reasons say why). */
  status: Type.Union([Type.Literal('measured'), Type.Literal('invalid'), Type.Literal('not-run')]),
  reasons: Type.Array(Type.String()),
  serverCpuCores: Type.Optional(Num('server CPU at the offered load, cores busy, without the publisher clock\'s precision cost')),
  downBytesPerSec: Type.Optional(Num('server → client wire bytes per second, all clients')),
  upBytesPerSec: Type.Optional(Num('client → server wire bytes per second, all clients')),
  p50Us: Type.Optional(Int()),
  p99Us: Type.Optional(Int()),
  latencySamples: Type.Optional(Int('deliveries in the measured window behind p50 / p99')),
  deliveredPerSec: Type.Optional(Num()),
  targetPerSec: Type.Optional(Num()),
  memoryPerConnectionBytes: Type.Optional(Num('server RSS growth per idle connection; only from 1,000 connections or more')),
  setupBytesPerConnection: Type.Optional(Num('connection setup bytes (handshake, first response), both directions, per client')),
}, { additionalProperties: false })

/** The workload map (npm run bench -- --map): per-client rate × connections × transport, every point a real round. */
export const MapResultSchema = Type.Object({
  network: Type.String(),
  payloadBytes: Int(),
  pollIntervalMs: Int('the poll transport\'s interval in every point'),
  heartbeatMs: Int('ws ping / SSE comment interval in every point'),
  longPollHoldMs: Int(),
  durationMs: Int('measured window per point'),
  warmupMs: Int(),
  serverCores: Int(),
  ratesPerSec: Type.Array(Num()),
  clients: Type.Array(Int()),
  points: Type.Array(MapPointSchema),
  timeCapHit: Type.Boolean(),
  elapsedMs: Num('wall-clock time of the whole map'),
}, { additionalProperties: false })

/** Which cores the server and the load generators ran on (runner/cpu-pinning.ts). */
export const CpuPinningSchema = Type.Object({
  /** Cores of the server process, or null when it was not pinned. */
  server: Type.Union([Type.Array(Int()), Type.Null()]),
  /** Cores the load-generator processes shared, or null when they were not pinned. */
  loadgens: Type.Union([Type.Array(Int()), Type.Null()]),
  /** Why nothing was pinned (absent when pinned). */
  unpinnedReason: Type.Optional(Type.String()),
}, { additionalProperties: false })

/** One run of `npm run bench`. */
export const RunResultSchema = Type.Object({
  schemaVersion: Type.Literal(SCHEMA_VERSION),
  runId: Type.String(),
  environment: Type.Object({
    node: Type.String(),
    os: Type.String(),
    arch: Type.String(),
    cpuModel: Type.String(),
    cores: Int(),
    totalMemoryBytes: Int(),
    loadAverage: Type.Array(Num()),
    gitCommit: Type.Union([Type.String(), Type.Null()]),
    ci: Type.Boolean(),
    packages: Type.Record(Type.String(), Type.String()),
    startedAt: Type.String({ description: 'ISO 8601' }),
    endedAt: Type.String({ description: 'ISO 8601' }),
  }, { additionalProperties: false }),
  options: Type.Object({
    rounds: Int(),
    workers: Int(),
    quick: Type.Boolean(),
    target: Type.Union([Type.String(), Type.Null()]),
    transports: Type.Array(TransportSchema),
    /** Named run size (--profile), absent when none was given. */
    profile: Type.Optional(Type.String()),
    /** Test mode only: delay the server added to every published batch, µs (absent: none). Such a run is not a real measurement. */
    injectedDelayUs: Type.Optional(Num('injected delay per published batch, µs (test mode)')),
    /** Set when this run was merged from one-round runs interleaved with another side's (npm run bench:ab). */
    interleaved: Type.Optional(Type.Object({
      side: Type.Union([Type.Literal('base'), Type.Literal('head')]),
      order: Type.String({ description: 'execution order of both sides\' one-round runs, A = base, B = head' }),
    }, { additionalProperties: false })),
    /** Where the server and the load generators ran (absent: a result from before pinning was recorded). */
    cpus: Type.Optional(CpuPinningSchema),
    /** Where the clients ran (absent: node, as in files written before browsers could be clients). Part of a round's identity: compare refuses to mix kinds. */
    clientsIn: Type.Optional(Type.Union([Type.Literal('node'), Type.Literal('chromium')])),
    /** TLS on every connection (--tls); absent in files written before TLS existed: false. Part of every round's identity. */
    tls: Type.Optional(Type.Boolean()),
    /** HTTP version of the HTTP transports (--http); absent: 1.1. Part of every round's identity. */
    httpVersion: Type.Optional(Type.Union(HTTP_VERSIONS.map((v) => Type.Literal(v)))),
    /** Load generators on other hosts, coordinated over the network (--loadgens; absent: forked on this host). */
    remoteLoadgens: Type.Optional(Int('remote load generators (--loadgens)')),
    /** Network profile between clients and server (absent: loopback, no proxy). */
    network: Type.Optional(Type.Object({
      name: Type.String(),
      oneWayDelayMs: Num('added one-way delay, ms'),
      jitterMs: Num('extra delay 0 .. jitterMs per chunk, ms'),
      bandwidthMbitPerSec: Num('per direction, Mbit/s; 0 = unlimited'),
    }, { additionalProperties: false })),
  }, { additionalProperties: false }),
  scenarios: Type.Array(ScenarioSchema),
  rounds: Type.Array(RoundResultSchema),
  /** (scenario, transport) pairs not run because the scenario does not apply to the transport, with the reason. */
  skipped: Type.Optional(Type.Array(Type.Object({
    scenario: Type.String(),
    transport: TransportSchema,
    reason: Type.String(),
  }, { additionalProperties: false }))),
  /** Client ramps (scenarios with ramp.steps > 0), one per transport. */
  ramps: Type.Optional(Type.Array(RampResultSchema)),
  /** Capacity searches (--capacity), one per (scenario, transport). */
  capacity: Type.Optional(Type.Array(CapacityResultSchema)),
  /** The workload map (--map). */
  map: Type.Optional(MapResultSchema),
  /** True when every round is valid and reconciled. */
  valid: Type.Boolean(),
}, { additionalProperties: false })

/** A result file's content. */
export type RunResult = Static<typeof RunResultSchema>
/** Where the server and the load generators ran. */
export type CpuPinning = Static<typeof CpuPinningSchema>
/** One transport's capacity search. */
export type CapacityResult = Static<typeof CapacityResultSchema>
/** The workload map. */
export type MapResult = Static<typeof MapResultSchema>
/** One point of the workload map. */
export type MapPoint = MapResult['points'][number]
/** One step of a capacity search. */
export type CapacityStep = CapacityResult['steps'][number]
/** One measured round. */
export type RoundResult = Static<typeof RoundResultSchema>
/** One transport's client ramp. */
export type RampResult = Static<typeof RampResultSchema>
/** One step of a client ramp. */
export type RampStep = RampResult['steps'][number]

/** The TLS and HTTP version a run's rounds were measured over (files written before these options: plain HTTP/1.1). */
export function variantOf (run: Pick<RunResult, 'options'>): WireVariant {
  return { tls: run.options.tls ?? PLAIN_HTTP1.tls, httpVersion: run.options.httpVersion ?? PLAIN_HTTP1.httpVersion }
}

/** True when no round of the run is INVALID (a round that was run again after its generator saturated does not count). */
export function isRunValid (rounds: readonly Pick<RoundResult, 'status'>[]): boolean {
  return rounds.every((r) => r.status !== 'invalid')
}
