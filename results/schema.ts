import { Type, type Static } from '@sinclair/typebox'
import { ScenarioSchema } from '../scenarios/core/config.ts'
import { TRANSPORT_NAMES } from '../scenarios/core/transports.ts'

/** Version of the result file format; bump on any incompatible change. */
export const SCHEMA_VERSION = 1

const Int = (description?: string) => Type.Integer(description === undefined ? {} : { description })
const Num = (description?: string) => Type.Number(description === undefined ? {} : { description })

const TransportSchema = Type.Union(TRANSPORT_NAMES.map((t) => Type.Literal(t)))

const HistogramSummarySchema = Type.Object({
  count: Int(), minUs: Int(), meanUs: Int(), p50Us: Int(), p90Us: Int(), p99Us: Int(), p999Us: Int(), maxUs: Int(),
}, { additionalProperties: false })

const ProcessStatsSchema = Type.Object({
  cpuUserUs: Num(),
  cpuSystemUs: Num(),
  rssBytes: Int(),
  heapUsedBytes: Int(),
  elapsedUs: Num(),
  eventLoopDelayP50Us: Num(),
  eventLoopDelayP99Us: Num(),
  eventLoopDelayMaxUs: Num(),
}, { additionalProperties: false })

const CountersSchema = Type.Object({
  received: Int(),
  expected: Int(),
  lost: Int(),
  duplicates: Int(),
  outOfOrder: Int(),
  reconnects: Int(),
  resets: Int(),
  errors: Int(),
  gapNotified: Int(),
  upstreamSent: Int(),
  upstreamFailed: Int(),
}, { additionalProperties: false })

const WireBytesSchema = Type.Object({
  setupRead: Int(), setupWritten: Int(), steadyRead: Int(), steadyWritten: Int(),
}, { additionalProperties: false })

const MissingSchema = Type.Object({
  client: Type.String(), stream: Type.String(), count: Int(), seqs: Type.Array(Int()),
}, { additionalProperties: false })

/** One (scenario, transport, round): everything measured, histograms encoded. */
export const RoundResultSchema = Type.Object({
  scenario: Type.String(),
  transport: TransportSchema,
  round: Int('1-based round number'),
  order: Int('position in the interleaved execution order, 1-based'),
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid')]),
  /** Why the round cannot be trusted (saturated generator, unexplained loss, out-of-range latency, …). */
  invalidReasons: Type.Array(Type.String()),
  measuredMs: Num('length of the measured window, ms'),
  clients: Int(),
  counters: CountersSchema,
  missing: Type.Array(MissingSchema),
  histograms: Type.Object({
    latency: Type.String({ description: 'delivery latency from tSched, µs, compressed base64' }),
    latencyFromSend: Type.String({ description: 'delivery latency from tSend, µs' }),
    connect: Type.String({ description: 'connect time, µs' }),
    firstMessage: Type.String({ description: 'connect start to first message, µs' }),
  }, { additionalProperties: false }),
  latency: HistogramSummarySchema,
  outOfRange: Int(),
  deliveredInWindow: Int(),
  deliveredPerSec: Num('messages received per second in the measured window, all clients'),
  targetPerSec: Num('messages per second the scenario asks to deliver, all clients'),
  bytes: WireBytesSchema,
  payloadBytesReceived: Int(),
  bytesPerMessage: Num('steady-state bytes read by clients per delivered message'),
  overheadBytesPerMessage: Num('bytesPerMessage minus the average payload bytes'),
  server: Type.Object({
    process: ProcessStatsSchema,
    openConnections: Int(),
    slowConsumerCuts: Int(),
    published: Int(),
    upstreamReceived: Int(),
    cpuUsPerMessage: Num('server CPU (user + system) µs per delivered message'),
    /** Server RSS growth from before the clients connected to after, divided by clients, before any message flows. */
    idleMemoryPerConnectionBytes: Type.Optional(Num('bytes per idle connection')),
  }, { additionalProperties: false }),
  loadgens: Type.Array(ProcessStatsSchema),
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
  /** True when every round is valid and reconciled. */
  valid: Type.Boolean(),
}, { additionalProperties: false })

/** A result file's content. */
export type RunResult = Static<typeof RunResultSchema>
/** One measured round. */
export type RoundResult = Static<typeof RoundResultSchema>
