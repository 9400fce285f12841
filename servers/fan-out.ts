import type { HubMessage, HubRead, HubSubscriber } from '../core/adapters.ts'
import type { GapNotice } from '../core/envelope.ts'
import { injectDelay } from './fault-injection.ts'
import { MessageRing } from './ring.ts'

/** One stream of the feed: its ring, live subscribers, waiting pollers and the batch not yet delivered. */
export interface FeedStream {
  readonly name: string
  readonly ring: MessageRing
  readonly subscribers: Set<Subscription>
  readonly waiters: Set<() => void>
  pending: HubMessage[]
}

interface Subscription {
  readonly subscriber: HubSubscriber
  /** Highest seq this subscriber already got (replay or live), so a batch is never delivered twice. */
  deliveredSeq: number
}

/** The streams of one hub and their delivery: every message appended in one tick leaves as one batch. */
export class FanOut {
  private readonly streams = new Map<string, FeedStream>()
  private readonly dirty = new Set<FeedStream>()
  private isFlushScheduled = false
  private isClosed = false

  constructor (private readonly epoch: string, private readonly ringSize: number) {}

  /** The stream of this name, created empty on first use. */
  stream (name: string): FeedStream {
    let state = this.streams.get(name)
    if (state === undefined) {
      state = { name, ring: new MessageRing(this.ringSize), subscribers: new Set(), waiters: new Set(), pending: [] }
      this.streams.set(name, state)
    }
    return state
  }

  /** The last seq of every stream that exists. */
  lastSeqs (): Map<string, number> {
    return new Map([...this.streams].map(([name, state]) => [name, state.ring.lastSeq]))
  }

  /** The last seq published on a stream (0 before the first). */
  lastSeq (name: string): number {
    return this.streams.get(name)?.ring.lastSeq ?? 0
  }

  /** Appends a message (its seq is the stream's lastSeq + 1) and schedules this tick's batch. */
  append (state: FeedStream, message: HubMessage): void {
    state.ring.push(message)
    state.pending.push(message)
    this.dirty.add(state)
    if (!this.isFlushScheduled) {
      this.isFlushScheduled = true
      // everything published in this tick (timer callback or one socket read) leaves as one batch
      queueMicrotask(() => { this.flush() })
    }
  }

  /** Subscribes to a stream; replays the ring after `afterSeq` (or a gap notice), then delivers live batches. Returns unsubscribe. */
  subscribe (name: string, afterSeq: number | undefined, subscriber: HubSubscriber): () => void {
    const state = this.stream(name)
    const sub: Subscription = { subscriber, deliveredSeq: state.ring.lastSeq }
    if (afterSeq !== undefined) {
      const slice = state.ring.after(afterSeq, this.ringSize)
      if (slice.evicted !== undefined) subscriber.gap(this.gapNotice(name, slice.evicted))
      if (slice.messages.length > 0) subscriber.push(slice.messages)
      sub.deliveredSeq = Math.max(afterSeq, state.ring.lastSeq)
    }
    state.subscribers.add(sub)
    return () => { state.subscribers.delete(sub) }
  }

  /** Messages of a stream after `cursor`, at most `maxMessages`, with a gap notice when the cursor is older than the ring. */
  read (name: string, cursor: number, maxMessages: number): HubRead {
    const state = this.streams.get(name)
    if (state === undefined) return { messages: [] }
    const slice = state.ring.after(cursor, maxMessages)
    return slice.evicted === undefined ? { messages: slice.messages } : { messages: slice.messages, gap: this.gapNotice(name, slice.evicted) }
  }

  /** Resolves true when a message after `cursor` exists, false when `signal` aborts first or the fan-out closes. */
  waitAfter (name: string, cursor: number, signal: AbortSignal): Promise<boolean> {
    const state = this.stream(name)
    if (state.ring.lastSeq > cursor) return Promise.resolve(true)
    if (signal.aborted || this.isClosed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const onData = (): void => { signal.removeEventListener('abort', onAbort); resolve(!this.isClosed) }
      const onAbort = (): void => { state.waiters.delete(onData); resolve(false) }
      state.waiters.add(onData)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Wakes every waiting poller (their waits resolve false); later waits resolve false at once. */
  close (): void {
    this.isClosed = true
    for (const state of this.streams.values()) wake(state)
  }

  private flush (): void {
    injectDelay() // test mode only (--inject-delay-us): delays each batch; a no-op otherwise
    this.isFlushScheduled = false
    for (const state of this.dirty) {
      const batch = state.pending
      state.pending = []
      const lastSeq = (batch[batch.length - 1] as HubMessage).env.seq
      for (const sub of state.subscribers) {
        if (sub.deliveredSeq >= lastSeq) continue
        const firstSeq = (batch[0] as HubMessage).env.seq
        sub.subscriber.push(sub.deliveredSeq >= firstSeq ? batch.slice(sub.deliveredSeq - firstSeq + 1) : batch)
        sub.deliveredSeq = lastSeq
      }
      wake(state)
    }
    this.dirty.clear()
  }

  private gapNotice (stream: string, range: { fromSeq: number, toSeq: number }): GapNotice {
    return { gap: true, stream, epoch: this.epoch, fromSeq: range.fromSeq, toSeq: range.toSeq }
  }
}

function wake (state: FeedStream): void {
  const waiters = [...state.waiters]
  state.waiters.clear()
  for (const resolve of waiters) resolve()
}
