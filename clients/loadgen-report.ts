import type { DeliveryCounters, LoadgenJob, LoadgenReport, MissingSeqs, ProcessStats, RunStopped, StreamRange } from '../core/control.ts'
import { LatencyRecorder } from '../core/histogram.ts'
import { sumWireBytes } from '../core/measures.ts'
import type { DeliveryRecorder } from './delivery-recorder.ts'
import { MISSING_LISTED } from './seq-tracker.ts'
import type { SeqTracker } from './seq-tracker.ts'
import { saturationReasons } from './saturation.ts'
import type { WireByteCounter } from './wire-bytes.ts'

/** Counters the session keeps itself (the rest come from the per-client trackers). */
export interface SessionCounters {
  reconnects: number
  errors: number
  upstreamSent: number
  upstreamFailed: number
  /** Frozen (slow) clients whose connection the server ended. */
  slowConsumerCuts: number
  /** First deliveries published before the client noticed its connection had dropped. */
  replayed: number
  /** Clients that were reading (not frozen on purpose) whose connection the server cut as a slow consumer: the generator fell behind. */
  readerCuts: number
}

/** What the report needs to know of one client. */
export interface ReportedClient {
  readonly id: string
  readonly stream: string
  readonly tracker: SeqTracker
  readonly bytes: WireByteCounter
  readonly firstConnectStartUs: number
  readonly firstRecvUs: number
  readonly isConnectedBeforeStart: boolean
  /** Cut as a slow consumer: what it missed after it stopped reading is explained by the cut. */
  readonly wasCut: boolean
}

/** Everything one process measured, at the end of a round. */
export interface ReportInput {
  readonly job: LoadgenJob
  readonly slots: readonly ReportedClient[]
  readonly stopped: RunStopped
  readonly recorder: DeliveryRecorder
  readonly connectTime: LatencyRecorder
  readonly counters: SessionCounters
  /** Time to recover from dropped connections (µs); absent or empty when none dropped. */
  readonly recoverTime?: LatencyRecorder
  readonly process: ProcessStats
  /** CPU µs over the measured window, when it was over before the round ended. */
  readonly windowCpuUs?: number | undefined
  /** Lag of upstream sends behind their schedule (undefined: the pattern sends nothing upstream). */
  readonly upstreamLag: LatencyRecorder | undefined
}

const EMPTY_RANGE: StreamRange = { firstSeq: 1, lastSeq: 0 }

/**
 * Reconciles every client against the range its stream published in the run and sums everything
 * into one LoadgenReport. A client connected before the run must have every seq of the range; one
 * that joined later is held to the range from its first seq on.
 */
export function buildLoadgenReport (input: ReportInput): LoadgenReport {
  const { job, slots, stopped, recorder, counters } = input
  const firstMessage = new LatencyRecorder()
  const missing: MissingSeqs[] = []
  let received = 0
  let expected = 0
  let lost = 0
  let duplicates = 0
  let outOfOrder = 0
  let resets = 0
  let gapNotified = 0
  let lostToCuts = 0
  let receivedBeforeReset = 0
  for (const slot of slots) {
    const t = slot.tracker
    const range = stopped.streams[slot.stream] ?? EMPTY_RANGE
    const fromSeq = slot.isConnectedBeforeStart || t.lowSeq === 0 ? range.firstSeq : t.lowSeq
    const r = t.reconcile(range, stopped.epoch, fromSeq)
    received += t.received
    expected += r.expected
    lost += r.lost
    duplicates += t.duplicates
    outOfOrder += t.outOfOrder
    resets += t.resets
    receivedBeforeReset += t.receivedBeforeReset
    gapNotified += t.gapNotified
    // a cut client never comes back: everything after the last seq it got is explained by the cut, holes before it are not
    const afterCut = !slot.wasCut ? 0 : t.epoch === stopped.epoch ? Math.max(0, range.lastSeq - Math.max(t.highestSeq, fromSeq - 1)) : r.unexplained
    const cutLost = Math.min(r.unexplained, afterCut)
    lostToCuts += cutLost
    const unexplained = r.unexplained - cutLost
    if (unexplained > 0 && missing.length < MISSING_LISTED) {
      missing.push({ client: slot.id, stream: slot.stream, count: unexplained, seqs: cutLost > 0 ? r.missing.filter((seq) => seq <= t.highestSeq) : r.missing })
    }
    if (slot.firstRecvUs > 0) firstMessage.record(slot.firstRecvUs - slot.firstConnectStartUs)
  }
  const delivery: DeliveryCounters = {
    received,
    expected,
    lost,
    duplicates,
    outOfOrder,
    reconnects: counters.reconnects,
    resets,
    errors: counters.errors,
    gapNotified,
    upstreamSent: counters.upstreamSent,
    upstreamFailed: counters.upstreamFailed,
    slowConsumerCuts: counters.slowConsumerCuts,
    lostToCuts,
    replayed: counters.replayed,
    ...(receivedBeforeReset > 0 ? { receivedBeforeReset } : {}),
  }
  const lagP99Us = input.upstreamLag === undefined || input.upstreamLag.histogram.totalCount === 0
    ? undefined
    : input.upstreamLag.histogram.getValueAtPercentile(99)
  return {
    worker: job.worker,
    clients: slots.length,
    counters: delivery,
    missing,
    histograms: {
      latency: recorder.latency.encode(),
      latencyFromSend: recorder.latencyFromSend.encode(),
      connect: input.connectTime.encode(),
      firstMessage: firstMessage.encode(),
      ...(input.recoverTime === undefined || input.recoverTime.histogram.totalCount === 0 ? {} : { recover: input.recoverTime.encode() }),
    },
    deliveredInWindow: recorder.deliveredInWindow,
    timeline: recorder.encodeTimeline(),
    outOfRange: recorder.outOfRange(),
    bytes: sumWireBytes(slots.map((s) => s.bytes.snapshot())),
    payloadBytesReceived: recorder.payloadBytesReceived,
    process: input.process,
    ...(input.windowCpuUs === undefined ? {} : { windowCpuUs: input.windowCpuUs }),
    saturation: saturationReasons(input.process, lagP99Us, counters.readerCuts),
  }
}
