import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { ScenarioConfig } from './config.ts'
import type { Envelope, GapNotice, UpstreamMessage } from './envelope.ts'
import type { TransportName } from './wire-protocol.ts'
import type { HttpVersion } from './wire-variant.ts'

// ---------------------------------------------------------------- server side

/** One message as the hub holds it: the envelope and its JSON text, serialised once for every subscriber. */
export interface HubMessage {
  readonly env: Envelope
  readonly json: string
}

/** A live subscriber of one stream (an open ws or SSE connection). */
export interface HubSubscriber {
  /** Messages published in one event-loop tick, in seq order; the adapter frames and writes them. */
  push (batch: readonly HubMessage[]): void
  /** The resume point was older than the ring: these seqs will never come. */
  gap (notice: GapNotice): void
}

/** Answer to a cursor read (long-poll, poll): messages after the cursor, or a gap first. */
export interface HubRead {
  readonly messages: readonly HubMessage[]
  readonly gap?: GapNotice
}

/** The transport-free feed: scheduling, seqs, payloads, ring, fan-out and upstream handling live here once. */
export interface FeedHub {
  readonly epoch: string
  readonly config: ScenarioConfig
  /** Subscribes to a stream; replays the ring after `afterSeq` (or a gap notice), then delivers live batches. Returns unsubscribe. */
  subscribe (stream: string, afterSeq: number | undefined, subscriber: HubSubscriber): () => void
  /** Messages of a stream after `cursor`, at most `maxMessages`. */
  read (stream: string, cursor: number, maxMessages: number): HubRead
  /** Resolves true when a message after `cursor` exists, false when `signal` aborts first. */
  waitAfter (stream: string, cursor: number, signal: AbortSignal): Promise<boolean>
  /** The last seq published on a stream (0 before the first). */
  lastSeq (stream: string): number
  /** Handles a client's upstream message according to the scenario pattern. */
  upstream (message: UpstreamMessage): void
}

/** What every server adapter gets: the hub, the frozen config and the shared connection policies. */
export interface ServerContext {
  readonly hub: FeedHub
  readonly config: ScenarioConfig
  /** Registers an open stream, socket or held poll so shutdown can end it; returns the unregister function. */
  trackOpen (end: () => void): () => void
  /** True once shutdown began: new requests get 503. */
  isClosing (): boolean
  /** Counts a connection cut off because its send buffer passed config.sendBufferCapBytes. */
  countSlowConsumerCut (): void
  /** Counts a connection closed for breaking the wire protocol (bad upstream frame, binary frame). */
  countProtocolError (): void
}

/** A server adapter: registers its routes; only frames and unframes. */
export interface ServerTransport {
  readonly name: TransportName
  register (app: FastifyInstance, ctx: ServerContext): void
}

// ---------------------------------------------------------------- client side

/** Why a client connection ended. */
export interface ConnectionClosed {
  /** ws close code or HTTP status, when there is one. */
  readonly code?: number
  readonly reason: string
}

/** Where a client adapter delivers what it unframes. */
export interface ClientSink {
  message (env: Envelope, recvUs: number): void
  gap (notice: GapNotice): void
  /** The connection ended without close() being called; the session decides whether to resume. */
  closed (info: ConnectionClosed): void
}

/** Counts wire bytes at the socket for one client; adapters register every socket they open. */
export interface ByteCounter {
  /**
   * Counts this TCP socket's bytesRead / bytesWritten from now on (including bytes already on it). Under
   * TLS it must be the raw net.Socket below the TLSSocket: a TLSSocket counts plaintext, a user pays ciphertext.
   */
  track (socket: Socket): void
  /** Marks the end of connection setup (handshake / first response headers): later bytes are steady state. */
  markSetupDone (): void
}

/** Everything a client adapter needs to open one logical connection. */
export interface ClientConnectOptions {
  /** http://host:port or https://host:port of the server (no trailing slash). */
  readonly baseUrl: string
  /** Over https: the PEM certificate the client trusts, and nothing else (the server's own, made at start-up). */
  readonly caPem?: string | undefined
  /** HTTP version of the HTTP transports (default 1.1); '2' is h2 over TLS, one connection per client. */
  readonly httpVersion?: HttpVersion | undefined
  readonly clientId: string
  readonly stream: string
  /** Resume point: deliver messages after this seq (undefined: from now on). */
  readonly afterSeq: number | undefined
  /** Epoch of the last envelope seen, sent with any resume point (ws `epoch=`, SSE and polls `epoch=`); undefined when none was seen. */
  readonly afterEpoch?: string | undefined
  readonly config: ScenarioConfig
  readonly sink: ClientSink
  readonly bytes: ByteCounter
}

/** One open logical connection of a client. */
export interface ClientConnection {
  /** Sends an upstream message (ws frame or HTTP POST); rejects when it could not be sent. */
  send (message: UpstreamMessage): Promise<void>
  /** Closes the connection on purpose; sink.closed is not called for it. */
  close (): Promise<void>
  /** Optional capability: stops reading from the downstream socket (a frozen consumer; TCP flow control pushes back on the server). */
  pauseReading? (): void
  /** Optional capability: reads again after pauseReading(). */
  resumeReading? (): void
}

/** A client adapter: resolves once the connection is usable (ws open, SSE headers, first poll answered). */
export interface ClientTransport {
  readonly name: TransportName
  connect (options: ClientConnectOptions): Promise<ClientConnection>
}
