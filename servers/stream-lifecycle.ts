import type { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { HubMessage, HubSubscriber, ServerContext } from '../core/adapters.ts'
import type { GapNotice } from '../core/envelope.ts'
import { Heartbeat } from './heartbeat.ts'
import { enforceSendBufferCap, type SlowConsumerTarget } from './send-cap.ts'
import { writeBatch } from './write-policy.ts'

/**
 * How one streaming transport (ws, SSE) writes what the lifecycle asks of it, in its own words: the
 * framing and nothing else. `C` is the transport's connection object; it emits 'close' when it ends.
 */
export interface StreamFraming<C extends EventEmitter> {
  /** The frame carrying one message. */
  message (message: HubMessage): string
  /** The frame telling the client that a seq range will never come. */
  gap (notice: GapNotice): string
  /** Writes one frame. */
  write (conn: C, frame: string): void
  /** Bytes written but not yet accepted by the kernel (ws bufferedAmount, res.writableLength). */
  bufferedBytes (conn: C): number
  /** One beat of the transport's keep-alive, every heartbeat interval (ws ping, SSE comment). */
  heartbeat (conn: C): void
  /** Says goodbye to a slow consumer and ends the connection. */
  cut (conn: C, socket: Socket | null | undefined): void
  /** Says goodbye at server shutdown and ends the connection. */
  shutdown (conn: C, socket: Socket | null | undefined): void
  /** Destroys the connection when its goodbye could not be flushed in time. */
  destroy (conn: C, socket: Socket | null | undefined): void
}

/** One open stream connection as its adapter sees it. */
export interface OpenStream<C> {
  /** True until the stream ended (goodbye said or connection closed): nothing is delivered afterwards. */
  readonly isOpen: boolean
  /** Ends delivery now, unsubscribes, and lets `goodbye` close the connection in the transport's words. */
  end (goodbye: (conn: C, socket: Socket | null | undefined) => void): void
}

/** The stream lifecycle of one transport: opens each accepted connection into a live subscription. */
export interface StreamLifecycle<C extends EventEmitter> {
  /**
   * Subscribes `conn` to `stream` from `afterSeq` (replay first), pushes every batch through the
   * framing under the write policy and the send-buffer cap, beats the heartbeat, registers with
   * ctx.trackOpen for shutdown and unsubscribes exactly once when the connection closes.
   * `socket` is the TCP socket under `conn`, held from the start (Node detaches res.socket on 'finish').
   */
  open (conn: C, socket: Socket | null | undefined, stream: string, afterSeq: number | undefined): OpenStream<C>
}

/** Creates the one lifecycle shared by every connection of a streaming transport. */
export function createStreamLifecycle<C extends EventEmitter> (ctx: ServerContext, heartbeatMs: number, framing: StreamFraming<C>): StreamLifecycle<C> {
  const heartbeat = new Heartbeat<C>(heartbeatMs, (conn) => { framing.heartbeat(conn) })
  return {
    open (conn, socket, stream, afterSeq) {
      const live = new LiveStream(ctx, framing, heartbeat, conn, socket)
      live.start(stream, afterSeq)
      return live
    },
  }
}

/** One connection's state: open or ended, its subscription, its shutdown registration. */
class LiveStream<C extends EventEmitter> implements OpenStream<C>, HubSubscriber, SlowConsumerTarget {
  isOpen = true
  private unsubscribe: (() => void) | undefined
  private untrack: (() => void) | undefined

  constructor (
    private readonly ctx: ServerContext,
    private readonly framing: StreamFraming<C>,
    private readonly heartbeat: Heartbeat<C>,
    private readonly conn: C,
    private readonly socket: Socket | null | undefined
  ) {}

  start (stream: string, afterSeq: number | undefined): void {
    this.unsubscribe = this.ctx.hub.subscribe(stream, afterSeq, this)
    // the replay inside subscribe() may already have cut a slow consumer
    if (!this.isOpen) {
      this.release()
    } else {
      this.heartbeat.add(this.conn)
      this.untrack = this.ctx.trackOpen(() => { this.end((conn, socket) => { this.framing.shutdown(conn, socket) }) })
    }
    this.conn.once('close', () => {
      this.isOpen = false
      this.release()
      this.heartbeat.delete(this.conn)
      this.untrack?.()
    })
  }

  push (batch: readonly HubMessage[]): void {
    this.send(batch.map((message) => this.framing.message(message)))
  }

  gap (notice: GapNotice): void {
    this.send([this.framing.gap(notice)])
  }

  end (goodbye: (conn: C, socket: Socket | null | undefined) => void): void {
    if (!this.isOpen) return
    this.isOpen = false
    this.release()
    this.heartbeat.delete(this.conn)
    goodbye(this.conn, this.socket)
  }

  bufferedBytes (): number {
    return this.framing.bufferedBytes(this.conn)
  }

  cut (): void {
    this.end((conn, socket) => { this.framing.cut(conn, socket) })
  }

  destroy (): void {
    this.framing.destroy(this.conn, this.socket)
  }

  private send (frames: readonly string[]): void {
    if (!this.isOpen) return
    writeBatch(this.socket, this.ctx.config.writePolicy, frames, (frame) => { this.framing.write(this.conn, frame) })
    enforceSendBufferCap(this.ctx, this)
  }

  /** Unsubscribes from the hub, exactly once, whichever of cut, shutdown or close comes first. */
  private release (): void {
    const unsubscribe = this.unsubscribe
    this.unsubscribe = undefined
    unsubscribe?.()
  }
}
