import { nowUs } from '../core/clock.ts'
import type { PublishClock } from './publish-clock.ts'

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

/** What the open-loop publisher of one run needs. */
export interface PublisherOptions {
  /** Start of the run: message 0 of stream 0 is due then, µs on nowUs()'s clock. */
  readonly t0Us: number
  /** Nothing is due at or after t0Us + durationUs. */
  readonly durationUs: number
  /** Streams published to, each at ratePerSec, phases spread over the period. */
  readonly streamCount: number
  readonly ratePerSec: number
  readonly burstSize: number
  readonly clock: PublishClock
  /** Publishes message due at tSchedUs on stream `stream` (0-based index). */
  publish (stream: number, tSchedUs: number): void
}

/**
 * Starts the open-loop publisher of one run: publishes every event due now, then waits on the clock for
 * the next deadline. Returns the function that stops it.
 */
export function startPublisher (options: PublisherOptions): () => void {
  const { t0Us, durationUs, streamCount, ratePerSec, burstSize, clock } = options
  // nextK counts (message, stream) events: message k of stream i is event k * streams + i
  let nextK = 0
  let cancel: (() => void) | undefined
  let isStopped = false

  function tick (): void {
    cancel = undefined
    if (isStopped) return
    const now = nowUs()
    // late ticks publish every overdue message with its original tSched: the stall is charged, not omitted
    for (;;) {
      const k = Math.floor(nextK / streamCount)
      const i = nextK % streamCount
      const offsetUs = scheduleOffsetUs(k, ratePerSec, burstSize) + streamPhaseUs(i, streamCount, ratePerSec, burstSize)
      if (offsetUs >= durationUs) return
      const waitUs = t0Us + offsetUs - now
      if (waitUs > 0) {
        // a dense schedule (the next event closer than the clock's lead) waits on the whole-ms timer, so the
        // events due meanwhile leave together in one batch, as they always did: at such rates write
        // coalescing decides throughput, and a spin per event would take the server's idle time and
        // split every batch. Sparse schedules, where the timer's ~1 ms error would be most of the
        // latency, get the precise clock.
        if (waitUs < clock.leadUs) {
          const timer = setTimeout(tick, Math.ceil(waitUs / 1000))
          cancel = () => { clearTimeout(timer) }
        } else {
          cancel = clock.at(t0Us + offsetUs, tick)
        }
        return
      }
      options.publish(i, t0Us + offsetUs)
      nextK++
    }
  }

  if (streamCount > 0) tick()
  return () => {
    isStopped = true
    cancel?.()
  }
}
