import type { ClockEstimate } from '../core/control.ts'
import type { Envelope } from '../core/envelope.ts'
import { LatencyRecorder } from '../core/histogram.ts'
import { TimelineRecorder, type TimelineBucket } from '../core/timeline.ts'

// Messages can arrive between the runner's POST /run and its 'start' message, before the window is
// known; they wait here (three numbers each). The gap is milliseconds, so the cap is never near.
const MAX_PENDING_NUMBERS = 3 * 1_000_000

/**
 * Records delivery latency for the messages scheduled inside the measured window
 * [t0 + warmupMs, t0 + warmupMs + durationMs), from tSched (open loop) and from tSend.
 */
export class DeliveryRecorder {
  readonly latency = new LatencyRecorder()
  readonly latencyFromSend = new LatencyRecorder()
  /** First deliveries of messages scheduled inside the window. */
  deliveredInWindow = 0
  /** Payload bytes of every envelope received, duplicates included (they crossed the wire too). */
  payloadBytesReceived = 0
  /** Messages that could not be held for recording before the window was known. */
  droppedBeforeStart = 0
  private windowStartUs = Number.NaN
  private windowEndUs = Number.NaN
  private pending: number[] = []
  private timeline: TimelineRecorder | undefined
  private readonly clock: ClockEstimate

  /** clock: server clock − this process's clock and its error bound (0 ± 0 on the server's host); the offset is added to every receive time. */
  constructor (clock: ClockEstimate = { offsetUs: 0, boundUs: 0 }) {
    this.clock = clock
  }

  /** Sets the measured window and records what arrived before it was known. */
  setWindow (startUs: number, endUs: number): void {
    this.windowStartUs = startUs
    this.windowEndUs = endUs
    this.timeline = new TimelineRecorder(startUs, endUs)
    const pending = this.pending
    this.pending = []
    for (let i = 0; i < pending.length; i += 3) this.recordTimes(pending[i] as number, pending[i + 1] as number, pending[i + 2] as number)
  }

  /** Accounts one envelope; only a first delivery (not a duplicate) is recorded as latency. */
  record (env: Envelope, localRecvUs: number, isFirstDelivery: boolean): void {
    this.payloadBytesReceived += env.payload.length
    if (!isFirstDelivery) return
    // tSched and tSend are on the server's clock (a generator's upstream tSched is put there when sent):
    // the receive time joins them here, the one place latency is computed
    const recvUs = localRecvUs + this.clock.offsetUs
    if (Number.isNaN(this.windowStartUs)) {
      if (this.pending.length < MAX_PENDING_NUMBERS) this.pending.push(env.tSchedUs, env.tSendUs, recvUs)
      else this.droppedBeforeStart++
      return
    }
    this.recordTimes(env.tSchedUs, env.tSendUs, recvUs)
  }

  /** Values the histograms could not hold (negative or above 60 s), plus messages dropped before the start. */
  outOfRange (): number {
    return this.latency.outOfRange + this.latencyFromSend.outOfRange + this.droppedBeforeStart
  }

  /** Per second of the measured window (by tSched): deliveries and encoded latency histograms; empty before setWindow. */
  encodeTimeline (): TimelineBucket[] {
    return this.timeline?.encode() ?? []
  }

  private recordTimes (tSchedUs: number, tSendUs: number, recvUs: number): void {
    if (tSchedUs < this.windowStartUs || tSchedUs >= this.windowEndUs) return
    this.deliveredInWindow++
    const latencyUs = this.withinClockError(recvUs - tSchedUs)
    this.latency.record(latencyUs)
    this.timeline?.record(tSchedUs, latencyUs)
    this.latencyFromSend.record(this.withinClockError(recvUs - tSendUs))
  }

  /**
   * A latency shorter than the offset's error bound may come out below 0 after the correction: that is
   * the clock's uncertainty (stated with the result), recorded as 0; below −bound it stays out of range.
   */
  private withinClockError (latencyUs: number): number {
    return latencyUs < 0 && latencyUs >= -this.clock.boundUs ? 0 : latencyUs
  }
}
