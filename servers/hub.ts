import { randomUUID } from 'node:crypto'
import type { ScenarioConfig } from '../core/config.ts'
import type { MeasuredWindow, RunStarted, RunStopped, StreamRange, WindowCpu } from '../core/control.ts'
import type { Envelope, UpstreamMessage } from '../core/envelope.ts'
import type { FeedHub, HubMessage } from '../core/adapters.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { LatencyRecorder, summarizeHistogram } from '../core/histogram.ts'
import { createPayloadSource } from '../core/payload.ts'
import { processCpuUs } from '../core/process-stats.ts'
import { clientIdOf, streamOf } from '../core/streams.ts'
import { FanOut, type FeedStream } from './fan-out.ts'
import { createPublishClock, type PublishClock } from './publish-clock.ts'
import { startPublisher } from './schedule.ts'

/** The schedule's arithmetic (servers/schedule.ts), where existing importers look for it. */
export { scheduleOffsetUs, streamPhaseUs } from './schedule.ts'

/** The feed of one server process plus its run control, used by app.ts and control.ts. */
export interface Hub extends FeedHub {
  /**
   * Starts a run now (replacing an active one): publishes on schedule for durationMs and accepts upstream
   * until stop(). With a window, stop() reports the process's CPU over it.
   */
  run (durationMs: number, window?: MeasuredWindow): RunStarted
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
  /**
   * CPU time the clock's worker thread used during the current (or last) run, µs: with publisherSpinUs
   * in stop()'s report, what publishing on time costs beyond the work per message. Undefined without one.
   */
  readonly publisherWorkerCpuUs: number | undefined
  /** The publisher's clock: 'worker' (precise) or 'timeout' (setTimeout fallback, or a pattern that schedules nothing). */
  readonly clockKind: PublishClock['kind']
  /** Stops timers, terminates the clock's worker and wakes every waiting poller; the hub publishes nothing afterwards. */
  close (): void
}

/** Options of createHub beyond the scenario. */
export interface HubOptions {
  /** The publisher's clock (default: a precise worker clock for broadcast and per-client); the hub closes it. */
  readonly clock?: PublishClock
}

interface ActiveRun {
  /** lastSeq of each stream when the run started; streams created later started at 0. */
  readonly startSeqs: Map<string, number>
  readonly touched: Set<string>
  /** publish − scheduled of every message published in the run, µs. */
  readonly publishLag: LatencyRecorder
  /** clock.spinUs when the run started. */
  readonly spinAtStartUs: number
  /** clock.workerCpuUs when the run started. */
  readonly workerCpuAtStartUs: number | undefined
  stopPublisher: () => void
  /** CPU marks at the measured window's start and end, and the timers that take them. */
  readonly windowMarks: { start?: CpuMark, end?: CpuMark, timers: NodeJS.Timeout[] }
}

/** Process CPU and the publisher clock's precision costs at one instant, µs. */
interface CpuMark {
  readonly cpuUs: number
  readonly precisionUs: number
  readonly atUs: number
}

/** Creates the transport-free feed of one server process with a fresh random epoch. */
export function createHub (config: ScenarioConfig, options: HubOptions = {}): Hub {
  const epoch = randomUUID().slice(0, 8)
  const payload = createPayloadSource(config.seed)
  const feed = new FanOut(epoch, config.ringSize)
  const clientStreams = [...new Set(Array.from({ length: config.clients }, (_, i) => streamOf(config.pattern, clientIdOf(i))))]
  const isPublisher = config.pattern === 'broadcast' || config.pattern === 'per-client'
  // chat and request-response publish on upstream only: no clock, no worker
  const clock = options.clock ?? createPublishClock({ kind: isPublisher ? 'worker' : 'timeout' })
  let active: ActiveRun | undefined
  let isClosed = false
  let published = 0
  let upstreamReceived = 0
  let upstreamOutsideRun = 0
  let lastWorkerCpuUs: number | undefined

  function publish (state: FeedStream, tSchedUs: number, text: string | undefined): Envelope {
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
    feed.append(state, message)
    published++
    active?.touched.add(state.name)
    return env
  }

  function workerCpuSinceUs (run: ActiveRun): number | undefined {
    const nowCpuUs = clock.workerCpuUs
    return nowCpuUs === undefined || run.workerCpuAtStartUs === undefined ? undefined : nowCpuUs - run.workerCpuAtStartUs
  }

  function cpuMark (): CpuMark {
    return { cpuUs: processCpuUs(), precisionUs: clock.spinUs + (clock.workerCpuUs ?? 0), atUs: nowUs() }
  }

  function windowCpu (run: ActiveRun): WindowCpu | undefined {
    const { start, end } = run.windowMarks
    if (start === undefined || end === undefined) return undefined
    return { cpuUs: end.cpuUs - start.cpuUs, precisionCpuUs: end.precisionUs - start.precisionUs, elapsedUs: end.atUs - start.atUs }
  }

  function endRun (run: ActiveRun): RunStopped {
    run.stopPublisher()
    for (const timer of run.windowMarks.timers) clearTimeout(timer)
    const window = windowCpu(run)
    lastWorkerCpuUs = workerCpuSinceUs(run)
    active = undefined
    const ranges: Record<string, StreamRange> = {}
    for (const name of new Set([...clientStreams, ...run.touched])) {
      ranges[name] = { firstSeq: (run.startSeqs.get(name) ?? 0) + 1, lastSeq: feed.lastSeq(name) }
    }
    const lag = summarizeHistogram(run.publishLag.histogram)
    return {
      epoch,
      streams: ranges,
      published,
      upstreamReceived,
      publishLag: { histogram: run.publishLag.encode(), p50Us: lag.p50Us, p99Us: lag.p99Us, maxUs: lag.maxUs, count: lag.count },
      publisherSpinUs: clock.spinUs - run.spinAtStartUs,
      ...(lastWorkerCpuUs === undefined ? {} : { publisherWorkerCpuUs: lastWorkerCpuUs }),
      ...(window === undefined ? {} : { window }),
    }
  }

  return {
    epoch,
    config,
    subscribe: (stream, afterSeq, subscriber) => feed.subscribe(stream, afterSeq, subscriber),
    read: (stream, cursor, maxMessages) => feed.read(stream, cursor, maxMessages),
    waitAfter: (stream, cursor, signal) => feed.waitAfter(stream, cursor, signal),
    lastSeq: (stream) => feed.lastSeq(stream),
    upstream (message: UpstreamMessage) {
      if (active === undefined) {
        upstreamOutsideRun++
        return
      }
      upstreamReceived++
      // chat: the line goes to everyone; request-response: the reply goes to the sender. Both keep the
      // client's tSched so latency includes the upstream leg.
      if (config.pattern === 'chat') publish(feed.stream('feed'), message.tSchedUs, message.payload)
      else if (config.pattern === 'request-response') publish(feed.stream(streamOf(config.pattern, message.client)), message.tSchedUs, undefined)
    },
    run (durationMs, window) {
      if (isClosed) throw new errors.BENCH_ERR_SHUTTING_DOWN()
      if (active !== undefined) endRun(active)
      published = 0
      upstreamReceived = 0
      for (const name of clientStreams) feed.stream(name)
      const scheduled = isPublisher ? clientStreams.map((name) => feed.stream(name)) : []
      const t0Us = nowUs()
      const run: ActiveRun = {
        startSeqs: feed.lastSeqs(),
        touched: new Set(),
        publishLag: new LatencyRecorder(),
        spinAtStartUs: clock.spinUs,
        workerCpuAtStartUs: clock.workerCpuUs,
        stopPublisher: () => {},
        windowMarks: { timers: [] },
      }
      active = run
      if (window !== undefined) {
        // timers, not the publisher's clock: a few ms late on a window of seconds moves the figure by well under 1 %
        const marks = run.windowMarks
        const atMs = (ms: number): number => Math.max(0, ms - (nowUs() - t0Us) / 1000)
        marks.timers.push(setTimeout(() => { marks.start = cpuMark() }, atMs(window.startMs)))
        marks.timers.push(setTimeout(() => { marks.end = cpuMark() }, atMs(window.endMs)))
      }
      // set after `active`: message 0 is due at t0 and is published inside startPublisher
      run.stopPublisher = startPublisher({
        t0Us,
        durationUs: durationMs * 1000,
        streamCount: scheduled.length,
        ratePerSec: config.ratePerSec,
        burstSize: config.burstSize,
        clock,
        publish: (i, tSchedUs) => {
          // only the publisher's own schedule: an upstream message's tSched is the client's, and its lag is a network leg
          const env = publish(scheduled[i] as FeedStream, tSchedUs, undefined)
          active?.publishLag.record(env.tSendUs - tSchedUs)
        },
      })
      return { epoch, t0Us }
    },
    stop () {
      if (active === undefined) throw new errors.BENCH_ERR_NOT_RUNNING('stop needs a run started with run()')
      return endRun(active)
    },
    get isRunning () { return active !== undefined },
    get published () { return published },
    get upstreamReceived () { return upstreamReceived },
    get upstreamOutsideRun () { return upstreamOutsideRun },
    get publisherWorkerCpuUs () { return active === undefined ? lastWorkerCpuUs : workerCpuSinceUs(active) },
    get clockKind () { return clock.kind },
    close () {
      if (active !== undefined) endRun(active)
      isClosed = true
      clock.close().catch((error: unknown) => { process.emitWarning(`publish clock: closing failed (${String(error)})`) })
      feed.close()
    },
  }
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
