import type { ScenarioConfig } from './config.ts'
import type { TimelineBucket } from './timeline.ts'
import type { TransportName } from './wire-protocol.ts'

// ---------------------------------------------------------------- HTTP control (runner / load generator → server)

/** GET /_feedbench/info: what a running server serves. */
export interface ServerInfo {
  readonly epoch: string
  readonly scenario: ScenarioConfig
  readonly transports: readonly TransportName[]
  /** Largest message the server accepts (ws maxPayload, bodyLimit), bytes. */
  readonly maxMessageBytes: number
  readonly pid: number
}

/** POST /_feedbench/run body: start publishing (broadcast / per-client) or accepting upstream, for durationMs. */
export interface RunRequest {
  readonly durationMs: number
}

/** POST /_feedbench/run answer. */
export interface RunStarted {
  readonly epoch: string
  /** Message k of every stream is scheduled at t0Us + k / ratePerSec seconds. */
  readonly t0Us: number
}

/** Seqs a stream published during the run (inclusive); empty when firstSeq > lastSeq. */
export interface StreamRange {
  readonly firstSeq: number
  readonly lastSeq: number
}

/** CPU, memory and event-loop figures of one process over a run. */
export interface ProcessStats {
  readonly cpuUserUs: number
  readonly cpuSystemUs: number
  readonly rssBytes: number
  readonly heapUsedBytes: number
  readonly elapsedUs: number
  readonly eventLoopDelayP50Us: number
  readonly eventLoopDelayP99Us: number
  readonly eventLoopDelayMaxUs: number
}

/** POST /_feedbench/stop answer: publishing stopped; what was published, per stream. */
export interface RunStopped {
  readonly epoch: string
  readonly streams: Readonly<Record<string, StreamRange>>
  readonly published: number
  readonly upstreamReceived: number
}

/** GET /_feedbench/stats: the server process since the run started. */
export interface ServerStats {
  readonly epoch: string
  readonly process: ProcessStats
  readonly openConnections: number
  readonly slowConsumerCuts: number
  /** Connections closed for breaking the wire protocol (invalid upstream frames, ws frame-level violations), since the process started. */
  readonly protocolErrors?: number
  /** Upstream messages received while no run was active (counted, not published), since the process started. */
  readonly upstreamOutsideRun?: number
  /** Client connections the server dropped on purpose (faults.dropSharePerSec), since the process started. */
  readonly faultDrops?: number
}

// ---------------------------------------------------------------- IPC (runner ↔ load-generator process)

/** What one load-generator process is asked to do. */
export interface LoadgenJob {
  readonly scenario: ScenarioConfig
  readonly transport: TransportName
  readonly baseUrl: string
  /** This process runs clients firstClient .. firstClient + clientCount - 1 of the run. */
  readonly firstClient: number
  readonly clientCount: number
  readonly worker: number
}

/** Messages from the runner to a load generator, in this order. */
export type RunnerToLoadgen =
  | { readonly type: 'job', readonly job: LoadgenJob }
  | { readonly type: 'start', readonly started: RunStarted, readonly durationMs: number }
  | { readonly type: 'finish', readonly stopped: RunStopped }
  | { readonly type: 'close' }

/** Correctness counters summed over a process's clients. */
export interface DeliveryCounters {
  readonly received: number
  readonly expected: number
  readonly lost: number
  readonly duplicates: number
  readonly outOfOrder: number
  readonly reconnects: number
  readonly resets: number
  readonly errors: number
  /** Messages the server announced as gone (resume point older than its ring). */
  readonly gapNotified: number
  readonly upstreamSent: number
  readonly upstreamFailed: number
  /** Clients that stopped reading (faults.slowClients) and whose connection the server then ended: slow-consumer cuts seen by clients. */
  readonly slowConsumerCuts?: number
  /** Part of `lost` that clients cut as slow consumers missed after they stopped reading: explained by the cut. */
  readonly lostToCuts?: number
  /** Messages delivered after a reconnect that were published before it began: recovered from the server's ring. */
  readonly replayed?: number
  /** Envelopes received in an epoch the client later left (a server restart): the old server's range is gone with it, so they are reported, not reconciled. */
  readonly receivedBeforeReset?: number
}

/** Wire bytes counted at the client sockets; read = server → client, written = client → server. */
export interface WireBytes {
  readonly setupRead: number
  readonly setupWritten: number
  readonly steadyRead: number
  readonly steadyWritten: number
}

/** Seqs a stream's clients missed, for the error message of an unreconciled run. */
export interface MissingSeqs {
  readonly client: string
  readonly stream: string
  readonly count: number
  /** The first few missing seqs. */
  readonly seqs: readonly number[]
}

/** What one load-generator process measured in one round. */
export interface LoadgenReport {
  readonly worker: number
  readonly clients: number
  readonly counters: DeliveryCounters
  readonly missing: readonly MissingSeqs[]
  /** Encoded histograms (µs): delivery latency from tSched and from tSend, connect time, first message. */
  readonly histograms: {
    readonly latency: string
    readonly latencyFromSend: string
    readonly connect: string
    readonly firstMessage: string
    /** From a connection's unexpected end to its resumed connection being usable, µs (absent: no reconnect recorded). */
    readonly recover?: string
  }
  /** Messages received whose tSched fell in the measured window (after warm-up). */
  readonly deliveredInWindow: number
  /** The same deliveries per 1-second bucket of the window (by tSched), each with its latency histogram. */
  readonly timeline?: readonly TimelineBucket[]
  readonly outOfRange: number
  readonly bytes: WireBytes
  /** Payload bytes of all messages received (downstream), for overhead = wire − payload. */
  readonly payloadBytesReceived: number
  readonly process: ProcessStats
  /** Why this generator cannot be trusted for this round (empty when it can). */
  readonly saturation: readonly string[]
}

/** Messages from a load generator to the runner. */
export type LoadgenToRunner =
  | { readonly type: 'connected', readonly clients: number, readonly connectMs?: number }
  | { readonly type: 'report', readonly report: LoadgenReport }
  | { readonly type: 'error', readonly code: string, readonly message: string }

/** Messages between the runner and a server process it started. */
export type ServerToRunner =
  | { readonly type: 'listening', readonly url: string }
  | { readonly type: 'error', readonly code: string, readonly message: string }
