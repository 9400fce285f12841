import { randomUUID } from 'node:crypto'
import type { ScenarioConfig } from '../core/config.ts'
import type { RunStarted, RunStopped, StreamRange } from '../core/control.ts'
import type { Envelope, GapNotice, UpstreamMessage } from '../core/envelope.ts'
import type { FeedHub, HubMessage, HubRead, HubSubscriber } from '../core/adapters.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { createPayloadSource } from '../core/payload.ts'
import { clientIdOf, streamOf } from '../core/streams.ts'
import { injectDelay } from './fault-injection.ts'
import { MessageRing } from './ring.ts'

/** The feed of one server process plus its run control, used by app.ts and control.ts. */
export interface Hub extends FeedHub {
  /** Starts a run now (replacing an active one): publishes on schedule for durationMs and accepts upstream until stop(). */
  run (durationMs: number): RunStarted
  /** Ends the active run and reports what each stream published during it; throws BENCH_ERR_NOT_RUNNING without one. */
  stop (): RunStopped
  /** True between run() and stop(). */
  readonly isRunning: boolean
  /** Messages published during the current (or last) run. */
  readonly published: number
  /** Upstream messages received during the current (or last) run. */
  readonly upstreamReceived: number
  /** Upstream messages received while no run was active (counted, not published). */
  readonly upstreamOutsideRun: number
  /** Stops timers and wakes every waiting poller; the hub publishes nothing afterwards. */
  close (): void
}

interface Subscription {
  readonly subscriber: HubSubscriber
  /** Highest seq this subscriber already got (replay or live), so a batch is never delivered twice. */
  deliveredSeq: number
}

interface StreamState {
  readonly name: string
  readonly ring: MessageRing
  readonly subscribers: Set<Subscription>
  readonly waiters: Set<() => void>
  pending: HubMessage[]
}

interface ActiveRun {
  readonly t0Us: number
  readonly durationUs: number
  /** Streams the open-loop publisher writes to (none for chat and request-response). */
  readonly scheduled: readonly StreamState[]
  /** lastSeq of each stream when the run started; streams created later started at 0. */
  readonly startSeqs: Map<string, number>
  readonly touched: Set<string>
  nextK: number
  timer: NodeJS.Timeout | undefined
}

/** Creates the transport-free feed of one server process with a fresh random epoch. */
export function createHub (config: ScenarioConfig): Hub {
  const epoch = randomUUID().slice(0, 8)
  const payload = createPayloadSource(config.seed)
  const streams = new Map<string, StreamState>()
  const dirty = new Set<StreamState>()
  const clientStreams = [...new Set(Array.from({ length: config.clients }, (_, i) => streamOf(config.pattern, clientIdOf(i))))]
  let active: ActiveRun | undefined
  let isFlushScheduled = false
  let isClosed = false
  let published = 0
  let upstreamReceived = 0
  let upstreamOutsideRun = 0

  function stateOf (name: string): StreamState {
    let state = streams.get(name)
    if (state === undefined) {
      state = { name, ring: new MessageRing(config.ringSize), subscribers: new Set(), waiters: new Set(), pending: [] }
      streams.set(name, state)
    }
    return state
  }

  function publish (state: StreamState, tSchedUs: number, text: string | undefined): void {
    const seq = state.ring.lastSeq + 1
    const env: Envelope = {
      stream: state.name,
      epoch,
      seq,
      tSchedUs,
      tSendUs: nowUs(),
      payload: text ?? payload(seq + hashOf(state.name), config.payloadBytes),
    }
    const message: HubMessage = { env, json: JSON.stringify(env) }
    state.ring.push(message)
    state.pending.push(message)
    published++
    active?.touched.add(state.name)
    dirty.add(state)
    if (!isFlushScheduled) {
      isFlushScheduled = true
      // everything published in this tick (timer callback or one socket read) leaves as one batch
      queueMicrotask(flush)
    }
  }

  function flush (): void {
    injectDelay() // test mode only (--inject-delay-us): delays each batch; a no-op otherwise
    isFlushScheduled = false
    for (const state of dirty) {
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
    dirty.clear()
  }

  function wake (state: StreamState): void {
    const waiters = [...state.waiters]
    state.waiters.clear()
    for (const resolve of waiters) resolve()
  }

  function gapNotice (stream: string, range: { fromSeq: number, toSeq: number }): GapNotice {
    return { gap: true, stream, epoch, fromSeq: range.fromSeq, toSeq: range.toSeq }
  }

  function tick (run: ActiveRun): void {
    run.timer = undefined
    const now = nowUs()
    // late ticks publish every overdue message with its original tSched: the stall is charged, not omitted
    // nextK counts (message, stream) events: message k of stream i is event k * streams + i
    const streamCount = run.scheduled.length
    for (;;) {
      const k = Math.floor(run.nextK / streamCount)
      const i = run.nextK % streamCount
      const offsetUs = scheduleOffsetUs(k, config.ratePerSec, config.burstSize) + streamPhaseUs(i, streamCount, config.ratePerSec, config.burstSize)
      if (offsetUs >= run.durationUs) return
      if (run.t0Us + offsetUs > now) {
        const delayMs = Math.ceil((run.t0Us + offsetUs - now) / 1000)
        run.timer = setTimeout(tick, delayMs, run)
        return
      }
      publish(run.scheduled[i] as StreamState, run.t0Us + offsetUs, undefined)
      run.nextK++
    }
  }

  function endRun (run: ActiveRun): RunStopped {
    clearTimeout(run.timer)
    active = undefined
    const ranges: Record<string, StreamRange> = {}
    for (const name of new Set([...clientStreams, ...run.touched])) {
      ranges[name] = { firstSeq: (run.startSeqs.get(name) ?? 0) + 1, lastSeq: stateOf(name).ring.lastSeq }
    }
    return { epoch, streams: ranges, published, upstreamReceived }
  }

  return {
    epoch,
    config,
    subscribe (stream, afterSeq, subscriber) {
      const state = stateOf(stream)
      const sub: Subscription = { subscriber, deliveredSeq: state.ring.lastSeq }
      if (afterSeq !== undefined) {
        const slice = state.ring.after(afterSeq, config.ringSize)
        if (slice.evicted !== undefined) subscriber.gap(gapNotice(stream, slice.evicted))
        if (slice.messages.length > 0) subscriber.push(slice.messages)
        sub.deliveredSeq = Math.max(afterSeq, state.ring.lastSeq)
      }
      state.subscribers.add(sub)
      return () => { state.subscribers.delete(sub) }
    },
    read (stream, cursor, maxMessages): HubRead {
      const state = streams.get(stream)
      if (state === undefined) return { messages: [] }
      const slice = state.ring.after(cursor, maxMessages)
      return slice.evicted === undefined ? { messages: slice.messages } : { messages: slice.messages, gap: gapNotice(stream, slice.evicted) }
    },
    waitAfter (stream, cursor, signal) {
      const state = stateOf(stream)
      if (state.ring.lastSeq > cursor) return Promise.resolve(true)
      if (signal.aborted || isClosed) return Promise.resolve(false)
      return new Promise((resolve) => {
        const onData = (): void => { signal.removeEventListener('abort', onAbort); resolve(!isClosed) }
        const onAbort = (): void => { state.waiters.delete(onData); resolve(false) }
        state.waiters.add(onData)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    },
    lastSeq (stream) {
      return streams.get(stream)?.ring.lastSeq ?? 0
    },
    upstream (message: UpstreamMessage) {
      if (active === undefined) {
        upstreamOutsideRun++
        return
      }
      upstreamReceived++
      // chat: the line goes to everyone; request-response: the reply goes to the sender. Both keep the
      // client's tSched so latency includes the upstream leg.
      if (config.pattern === 'chat') publish(stateOf('feed'), message.tSchedUs, message.payload)
      else if (config.pattern === 'request-response') publish(stateOf(streamOf(config.pattern, message.client)), message.tSchedUs, undefined)
    },
    run (durationMs) {
      if (isClosed) throw new errors.BENCH_ERR_SHUTTING_DOWN()
      if (active !== undefined) endRun(active)
      published = 0
      upstreamReceived = 0
      const startSeqs = new Map<string, number>()
      for (const name of clientStreams) stateOf(name)
      for (const [name, state] of streams) startSeqs.set(name, state.ring.lastSeq)
      const isPublisher = config.pattern === 'broadcast' || config.pattern === 'per-client'
      const run: ActiveRun = {
        t0Us: nowUs(),
        durationUs: durationMs * 1000,
        scheduled: isPublisher ? clientStreams.map(stateOf) : [],
        startSeqs,
        touched: new Set(),
        nextK: 0,
        timer: undefined,
      }
      active = run
      if (run.scheduled.length > 0) tick(run)
      return { epoch, t0Us: run.t0Us }
    },
    stop () {
      if (active === undefined) throw new errors.BENCH_ERR_NOT_RUNNING('stop needs a run started with run()')
      return endRun(active)
    },
    get isRunning () { return active !== undefined },
    get published () { return published },
    get upstreamReceived () { return upstreamReceived },
    get upstreamOutsideRun () { return upstreamOutsideRun },
    close () {
      if (active !== undefined) endRun(active)
      isClosed = true
      for (const state of streams.values()) wake(state)
    },
  }
}

/**
 * When message k of a run is due, µs after t0: k / ratePerSec seconds, rounded to whole µs. With
 * burstSize > 1 messages are due together in bursts, floor(k / burstSize) * burstSize / ratePerSec: the
 * same average rate, and every message of a burst leaves in one tick (one batch).
 */
export function scheduleOffsetUs (k: number, ratePerSec: number, burstSize = 1): number {
  return Math.round((k - k % burstSize) * 1e6 / ratePerSec)
}

/**
 * Phase of stream i of n within one publishing period (burstSize / ratePerSec): per-client streams are
 * spread evenly over the period instead of all publishing at the same instant, as independent users'
 * events would be. Always below one period, so events stay in time order; 0 for a single stream.
 */
export function streamPhaseUs (i: number, streams: number, ratePerSec: number, burstSize = 1): number {
  return Math.round(i * burstSize * 1e6 / ratePerSec / streams)
}

/** FNV-1a of a stream name, so each stream gets its own payload sequence from one seed. */
function hashOf (stream: string): number {
  let hash = 0x811C9DC5
  for (let i = 0; i < stream.length; i++) {
    hash ^= stream.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}
