import { describe, expect, it } from 'vitest'
import { resolveScenario } from '../core/config.ts'
import type { ProcessStats, RunStopped } from '../core/control.ts'
import { LatencyRecorder } from '../core/histogram.ts'
import { DeliveryRecorder } from './delivery-recorder.ts'
import { buildLoadgenReport, type ReportedClient } from './loadgen-report.ts'
import { SeqTracker } from './seq-tracker.ts'
import { WireByteCounter } from './wire-bytes.ts'

const IDLE: ProcessStats = {
  cpuUserUs: 0, cpuSystemUs: 0, rssBytes: 0, heapUsedBytes: 0, elapsedUs: 1e6, eventLoopDelayP50Us: 0, eventLoopDelayP99Us: 0, eventLoopDelayMaxUs: 0,
}

function client (id: string, seqs: readonly number[], wasCut: boolean): ReportedClient {
  const tracker = new SeqTracker()
  for (const seq of seqs) tracker.accept('e1', seq)
  return { id, stream: 'feed', tracker, bytes: new WireByteCounter(), firstConnectStartUs: 0, firstRecvUs: 0, isConnectedBeforeStart: true, wasCut }
}

function reportOf (slots: readonly ReportedClient[]) {
  const scenario = resolveScenario({ name: 'unit', pattern: 'broadcast', clients: slots.length, faults: { slowClients: 1 } })
  const stopped: RunStopped = { epoch: 'e1', streams: { feed: { firstSeq: 1, lastSeq: 10 } }, published: 10, upstreamReceived: 0 }
  return buildLoadgenReport({
    job: { scenario, transport: 'ws', baseUrl: 'http://127.0.0.1:1', firstClient: 0, clientCount: slots.length, worker: 0 },
    slots,
    stopped,
    recorder: new DeliveryRecorder(),
    connectTime: new LatencyRecorder(),
    counters: { reconnects: 0, errors: 0, upstreamSent: 0, upstreamFailed: 0, slowConsumerCuts: 1, replayed: 0, readerCuts: 0 },
    process: IDLE,
    upstreamLag: undefined,
  })
}

describe('loadgen report: slow-consumer cuts', () => {
  it('explains what a cut client missed after its last seq, and nothing else', () => {
    const report = reportOf([client('c0', [1, 2, 3, 4], true), client('c1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false)])
    expect(report.counters).toMatchObject({ lost: 6, lostToCuts: 6, slowConsumerCuts: 1 })
    expect(report.missing).toEqual([])
  })

  it('keeps a hole before the cut, and any other client\'s loss, unexplained', () => {
    const report = reportOf([client('c0', [1, 3, 4], true), client('c1', [1, 2, 3, 4, 5, 6, 7, 8, 9], false)])
    expect(report.counters).toMatchObject({ lost: 8, lostToCuts: 6 })
    expect(report.missing).toEqual([
      { client: 'c0', stream: 'feed', count: 1, seqs: [2] },
      { client: 'c1', stream: 'feed', count: 1, seqs: [10] },
    ])
  })
})
