import type { ScenarioConfig } from './config.ts'
import type { DeliveryCounters, MissingSeqs, ProcessStats, WireBytes } from './measures.ts'
import type { TimelineBucket } from './timeline.ts'
import type { TransportName } from './wire-protocol.ts'
import type { HttpVersion } from './wire-variant.ts'

// the measures a process reports are defined once in measures.ts (schema, type and sum); the protocol passes them on
export type { DeliveryCounters, MissingSeqs, ProcessStats, WireBytes }

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
  /** The measured window, ms after t0: the server then reports its CPU over it (RunStopped.window). */
  readonly window?: MeasuredWindow
}

/** The measured window of a run, ms after its t0 (the warm-up ends at startMs). */
export interface MeasuredWindow {
  readonly startMs: number
  readonly endMs: number
}

/**
 * A process's CPU over the measured window only, µs (user + system): the warm-up (JIT, first
 * allocations) and the tail after the window stay out, so a figure per delivery in the window is the
 * steady state's.
 */
export interface WindowCpu {
  readonly cpuUs: number
  /** Of cpuUs, the publisher clock's busy-wait and worker-thread wake-ups: the cost of precision, not of messages. */
  readonly precisionCpuUs: number
  /** Wall time between the two CPU readings, µs (the window's length, give or take a timer's lateness). */
  readonly elapsedUs: number
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

/** POST /_feedbench/stop answer: publishing stopped; what was published, per stream. */
export interface RunStopped {
  readonly epoch: string
  readonly streams: Readonly<Record<string, StreamRange>>
  readonly published: number
  readonly upstreamReceived: number
  /** Publish time − scheduled time of every message published in the run, µs (HDR histogram, encoded). */
  readonly publishLag?: { readonly histogram: string, readonly p50Us: number, readonly p99Us: number, readonly maxUs: number, readonly count: number }
  /** µs the server's main thread spent busy-waiting for publish deadlines during the run (not work per message). */
  readonly publisherSpinUs?: number
  /** CPU µs the publisher clock's worker thread used during the run (its wake-ups): with the spin, the cost of precision, not of messages. */
  readonly publisherWorkerCpuUs?: number
  /** The server's CPU over the measured window, when the run request named one and the window was over before stop. */
  readonly window?: WindowCpu
}

/** GET /_feedbench/clock answer: the server's monotonic clock (core/clock.ts nowUs) when it answered. */
export interface ServerClock {
  readonly nowUs: number
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

/** GET /_feedbench/clock answer: the server's monotonic clock (core/clock.ts nowUs) when it answered. */
export interface ClockReading {
  readonly nowUs: number
}

// ---------------------------------------------------------------- IPC (runner ↔ load-generator process)

/** Where a round's clients run: Node processes (our adapters over ws / undici) or pages of Debian's Chromium (the browser's own WebSocket, EventSource and fetch). */
export const CLIENT_KINDS = ['node', 'chromium'] as const

/** One of CLIENT_KINDS. */
export type ClientKind = typeof CLIENT_KINDS[number]

/** True when `name` is a client kind feedbench knows. */
export function isClientKind (name: string): name is ClientKind {
  return (CLIENT_KINDS as readonly string[]).includes(name)
}

/** Where Debian's Chromium is installed (apt-get install chromium); a browser is never downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** What one load-generator process is asked to do. */
export interface LoadgenJob {
  readonly scenario: ScenarioConfig
  readonly transport: TransportName
  readonly baseUrl: string
  /** With an https baseUrl: the server's certificate (PEM), the only one the clients trust. */
  readonly caPem?: string
  /** HTTP version the HTTP transports speak (absent: 1.1). */
  readonly httpVersion?: HttpVersion
  /** This process runs clients firstClient .. firstClient + clientCount - 1 of the run. */
  readonly firstClient: number
  readonly clientCount: number
  readonly worker: number
  /** Chromium clients only: clients per page; the job's clients fill ceil(clientCount / clientsPerPage) pages of one browser context. */
  readonly clientsPerPage?: number
  /** Chromium clients only: every page in one browser context (tabs of one user, sharing its 6 HTTP/1.1 connections per origin); else one context per page. */
  readonly sharedBrowserContext?: boolean
}

/** Messages from the runner to a load generator, in this order. */
export type RunnerToLoadgen =
  | { readonly type: 'job', readonly job: LoadgenJob }
  | { readonly type: 'start', readonly started: RunStarted, readonly durationMs: number }
  | { readonly type: 'finish', readonly stopped: RunStopped }
  | { readonly type: 'close' }

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
  /** This process's CPU (user + system) over the measured window only, µs; absent when the round ended before the window did. */
  readonly windowCpuUs?: number
  readonly process: ProcessStats
  /** Why this generator cannot be trusted for this round (empty when it can). */
  readonly saturation: readonly string[]
  /** Set when `bytes` are not measured (all zero) and why: a browser does not expose its sockets' byte counts. */
  readonly bytesNotMeasured?: string
  /** Chromium clients only: the page clocks' alignment and what each page (tab) received. */
  readonly browser?: BrowserLoadgenDetail
  /** Offset of this generator's clock to the server's, estimated before the round (absent: same host, offset 0 by construction). */
  readonly clock?: ClockEstimate
}

/** What a Chromium load generator adds to its report. */
export interface BrowserLoadgenDetail {
  /** Largest error bound of any page's clock offset to the server's monotonic clock (half the best round trip), µs. */
  readonly clockBoundUs: number
  readonly pages: readonly BrowserPageOutcome[]
}

/** One page (tab) of a Chromium load generator over one round. */
export interface BrowserPageOutcome {
  /** 0-based page index within its load generator. */
  readonly page: number
  readonly clients: number
  /** Error bound of this page's clock offset, µs (half the smallest of its round trips to GET /_feedbench/clock). */
  readonly clockBoundUs: number
  /** ms from the run's start (t0) to the page's first envelope; null when it received none. */
  readonly firstMessageMs: number | null
  /** Envelopes the page's clients received, duplicates included. */
  readonly received: number
  /** Clients of the page whose connection never became usable (a browser holding their request back, e.g. the 6-per-origin HTTP/1.1 limit). */
  readonly neverConnected: number
  /** The protocol the page itself was loaded over, as the browser reports it (Resource Timing nextHopProtocol: "http/1.1", "h2"). */
  readonly protocol: string
  /** Receive times the page clock read before the message's tSendUs, within its error bound, and that were moved up to tSendUs. */
  readonly movedToSend: number
}

/** Server clock − generator clock, from the request/answer exchange with the smallest round trip. */
export interface ClockEstimate {
  /** serverNowUs − (t0 + t1) / 2, µs: added to the generator's times to put them on the server's clock. */
  readonly offsetUs: number
  /** Half that exchange's round trip, µs: the true offset lies within offsetUs ± boundUs. */
  readonly boundUs: number
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

// ---------------------------------------------------------------- network control channel (coordinator ↔ remote load generator)

/** Version of the network control channel; a generator speaking another one is refused. */
export const REMOTE_PROTOCOL_VERSION = 1

/**
 * First message of a remote load generator on the coordinator's WebSocket. After the coordinator's
 * 'welcome', the channel carries the same RunnerToLoadgen / LoadgenToRunner messages as IPC, as JSON.
 */
export interface RemoteHello {
  readonly type: 'hello'
  readonly version: number
  /** The shared secret (FEEDBENCH_TOKEN). */
  readonly token: string
  /** This generator's index, 0 .. N − 1 (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX). */
  readonly index: number
}

/** The coordinator's answer to a hello: accepted, or refused with the reason (the socket then closes). */
export type RemoteWelcome =
  | { readonly type: 'welcome', readonly version: number, readonly loadgens: number }
  | { readonly type: 'refused', readonly reason: string }
