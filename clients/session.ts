import type { ClockEstimate, LoadgenJob, LoadgenReport, ProcessStats, RunStarted, RunStopped } from '../core/control.ts'
import type { Envelope, UpstreamMessage } from '../core/envelope.ts'
import type { ClientSink, ClientTransport, ConnectionClosed } from '../core/adapters.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { LatencyRecorder } from '../core/histogram.ts'
import { createPayloadSource } from '../core/payload.ts'
import { windowCpuFromMarks } from '../core/measures.ts'
import { ProcessMonitor } from '../core/process-stats.ts'
import { sendsUpstream } from '../core/streams.ts'
import { isSlowConsumerCut } from '../core/wire-protocol.ts'
import { createSlots, hasSeenAll, type ClientSlot } from './client-slot.ts'
import { DeliveryRecorder } from './delivery-recorder.ts'
import { buildLoadgenReport, type SessionCounters } from './loadgen-report.ts'
import { clientTransports } from './registry.ts'
import { startUpstream, type UpstreamSchedule } from './upstream-schedule.ts'

/** Reconnect backoff: a uniform 50–250 ms jitter per attempt, so a mass drop does not come back in lockstep. */
const RECONNECT_MIN_MS = 50
const RECONNECT_JITTER_MS = 200
const MAX_CONNECT_ATTEMPTS = 20
const DRAIN_POLL_MS = 10

/** This process's CPU so far (undefined where it cannot be read) and when it was read, µs. */
interface CpuMark {
  readonly cpuUs: number | undefined
  readonly atUs: number
}

/**
 * The load generator's clients for one job: everything that is not framing, once. Connects them,
 * records every delivery, resumes dropped connections, sends upstream on an open-loop schedule,
 * and reconciles what arrived with what the server published.
 */
export class LoadSession {
  /** The clients, in run order. */
  readonly slots: readonly ClientSlot[]
  readonly recorder: DeliveryRecorder
  readonly connectTime = new LatencyRecorder()
  /** From noticing a dropped connection to its resumed connection being usable, µs. */
  readonly recoverTime = new LatencyRecorder()
  readonly counters: SessionCounters = { reconnects: 0, errors: 0, upstreamSent: 0, upstreamFailed: 0, slowConsumerCuts: 0, replayed: 0, readerCuts: 0 }
  /** How long connectAll took, ms. */
  connectMs = 0
  private readonly job: LoadgenJob
  private readonly transport: ClientTransport
  private readonly monitor = new ProcessMonitor()
  private readonly abort = new AbortController()
  private readonly payloadOf: (key: number, bytes: number) => string
  private upstream: UpstreamSchedule | undefined
  /** Upstream messages sent and not yet answered by the server. */
  upstreamInFlight = 0
  private freezeTimer: NodeJS.Timeout | undefined
  // the process figures (CPU, event-loop delay) of the run itself, taken when its time is up: the drain
  // after it, and the next round's processes starting meanwhile, are not the load generator's load
  private runEndTimer: NodeJS.Timeout | undefined
  private runStats: ProcessStats | undefined
  /** CPU µs (user + system) and the time at the measured window's start and end, and the timers that read them. */
  private windowCpu: { start?: CpuMark | undefined, end?: CpuMark | undefined, timers: NodeJS.Timeout[] } = { timers: [] }
  private isStarted = false
  private isFinishing = false
  /** Server clock − this process's clock, µs (0 on the server's host). */
  private readonly clockOffsetUs: number

  /** clock: this process's offset to the server's clock (absent: the server's host, 0 ± 0). */
  constructor (job: LoadgenJob, transport: ClientTransport = clientTransports[job.transport], clock?: ClockEstimate) {
    this.job = job
    this.transport = transport
    this.clockOffsetUs = clock?.offsetUs ?? 0
    this.recorder = new DeliveryRecorder(clock)
    this.payloadOf = createPayloadSource(job.scenario.seed)
    this.slots = createSlots(job)
  }

  /** Clients of the job. */
  get clients (): number {
    return this.slots.length
  }

  /** Connects every client, at most connectConcurrency at once; throws when one cannot connect at all. */
  async connectAll (): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < this.slots.length && !this.abort.signal.aborted) {
        const slot = this.slots[next++] as ClientSlot
        slot.firstConnectStartUs = nowUs()
        await this.connectWithRetry(slot, false)
        slot.connectedAtUs = nowUs()
        this.connectTime.record(slot.connectedAtUs - slot.firstConnectStartUs)
        slot.isConnectedBeforeStart = !this.isStarted
      }
    }
    const startMs = performance.now()
    const workers = Math.min(this.job.scenario.connectConcurrency, this.slots.length)
    await Promise.all(Array.from({ length: workers }, worker))
    this.connectMs = performance.now() - startMs
    const slow = this.slots.find((s) => s.isSlow)
    if (slow?.conn !== undefined && slow.conn.pauseReading === undefined) {
      throw new errors.BENCH_ERR_CONFIG_INVALID(JSON.stringify(this.job.scenario.name),
        `faults.slowClients needs a transport whose client can stop reading; ${this.transport.name} cannot`)
    }
  }

  /** The run started: fixes the measured window and starts the upstream schedule. */
  start (started: RunStarted, runMs: number): void {
    const { scenario } = this.job
    this.isStarted = true
    // the server starts publishing at t0, before this message arrives: a client whose connection became
    // usable after t0 may have been answered from after seq 1 (a poll without a cursor starts from now),
    // so it is held to what it saw from its first seq on, like a client that joined during the run
    for (const slot of this.slots) if (slot.connectedAtUs > started.t0Us) slot.isConnectedBeforeStart = false
    this.monitor.reset()
    const windowStartUs = started.t0Us + scenario.warmupMs * 1000
    this.recorder.setWindow(windowStartUs, windowStartUs + scenario.durationMs * 1000)
    // t0 is on the server's clock; timers and the upstream schedule run on this process's
    const localT0Us = started.t0Us - this.clockOffsetUs
    this.runEndTimer = setTimeout(() => { this.runStats = this.monitor.snapshot() }, Math.max(0, (localT0Us + runMs * 1000 - nowUs()) / 1000))
    const localWindowStartUs = windowStartUs - this.clockOffsetUs
    for (const timer of this.windowCpu.timers) clearTimeout(timer)
    this.windowCpu = { timers: [] }
    this.windowCpu.timers.push(
      setTimeout(() => { this.windowCpu.start = this.cpuMark() }, Math.max(0, (localWindowStartUs - nowUs()) / 1000)),
      setTimeout(() => { this.windowCpu.end = this.cpuMark() }, Math.max(0, (localWindowStartUs + scenario.durationMs * 1000 - nowUs()) / 1000)))
    if (this.slots.some((s) => s.isSlow)) {
      this.freezeTimer = setTimeout(() => { this.freeze() }, Math.max(0, (windowStartUs - this.clockOffsetUs - nowUs()) / 1000))
    }
    if (!sendsUpstream(scenario.pattern)) return
    this.upstream = startUpstream({
      t0Us: localT0Us,
      endUs: localT0Us + runMs * 1000,
      ratePerSec: scenario.ratePerSec,
      firstIndex: this.job.firstClient,
      totalClients: Math.max(scenario.clients, this.job.firstClient + this.job.clientCount),
      localClients: this.slots.length,
      // a message's tSched travels on the server's clock, so a receiver on another host measures it on the same one
      send: (local, seq, tSchedUs) => this.sendUpstream(this.slots[local] as ClientSlot, seq, tSchedUs + this.clockOffsetUs),
    })
  }

  /** Stops sending, waits for in-flight messages (up to drainMs) and reconciles against what the server published. */
  async finish (stopped: RunStopped): Promise<LoadgenReport> {
    this.upstream?.stop()
    // a frozen client reads again: it catches up, or finds out that the server cut it
    this.isFinishing = true
    clearTimeout(this.freezeTimer)
    clearTimeout(this.runEndTimer)
    for (const timer of this.windowCpu.timers) clearTimeout(timer)
    const runStats = this.runStats ?? this.monitor.snapshot()
    const { start, end } = this.windowCpu
    for (const slot of this.slots) if (slot.isFrozen) slot.conn?.resumeReading?.()
    const deadlineUs = nowUs() + this.job.scenario.drainMs * 1000
    while (nowUs() < deadlineUs && !hasSeenAll(this.slots, stopped)) await sleep(DRAIN_POLL_MS, this.abort.signal)
    return buildLoadgenReport({
      job: this.job,
      slots: this.slots,
      stopped,
      recorder: this.recorder,
      connectTime: this.connectTime,
      counters: this.counters,
      recoverTime: this.recoverTime,
      process: runStats,
      windowCpuUs: start?.cpuUs === undefined || end?.cpuUs === undefined
        ? undefined
        : windowCpuFromMarks(end.cpuUs - start.cpuUs, end.atUs - start.atUs, this.job.scenario.durationMs * 1000),
      upstreamLag: this.upstream?.lag,
    })
  }

  private cpuMark (): CpuMark {
    return { cpuUs: this.monitor.cpuNowUs(), atUs: nowUs() }
  }

  /** Closes every connection on purpose (no reconnects afterwards). */
  async close (): Promise<void> {
    this.abort.abort()
    clearTimeout(this.freezeTimer)
    clearTimeout(this.runEndTimer)
    for (const timer of this.windowCpu.timers) clearTimeout(timer)
    this.upstream?.stop()
    this.monitor.close()
    await Promise.all(this.slots.map(async (slot) => {
      const conn = slot.conn
      slot.conn = undefined
      slot.generation++
      await conn?.close().catch(() => {})
    }))
  }

  private async connectWithRetry (slot: ClientSlot, isResume: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (isResume) await sleep(RECONNECT_MIN_MS + Math.random() * RECONNECT_JITTER_MS, this.abort.signal)
      if (this.abort.signal.aborted) return
      try {
        await this.open(slot, isResume)
        return
      } catch (err) {
        this.counters.errors++
        if (this.abort.signal.aborted) return
        if (attempt >= MAX_CONNECT_ATTEMPTS) {
          throw new errors.BENCH_ERR_TARGET_UNREACHABLE(this.job.baseUrl,
            `client ${slot.id} could not connect over ${this.transport.name} in ${attempt} attempts: ${(err as Error).message}`, { cause: err })
        }
        if (!isResume) await sleep(RECONNECT_MIN_MS + Math.random() * RECONNECT_JITTER_MS, this.abort.signal)
      }
    }
  }

  private async open (slot: ClientSlot, isResume: boolean): Promise<void> {
    const generation = ++slot.generation
    // what was published before this attempt can only arrive through the server's replay
    if (isResume) slot.resumeStartUs = nowUs() + this.clockOffsetUs
    const sink: ClientSink = {
      message: (env, recvUs) => this.onMessage(slot, env, recvUs),
      gap: (notice) => slot.tracker.notice(notice),
      closed: (info) => this.onClosed(slot, generation, info),
    }
    const conn = await this.transport.connect({
      baseUrl: this.job.baseUrl,
      caPem: this.job.caPem,
      httpVersion: this.job.httpVersion,
      clientId: slot.id,
      stream: slot.stream,
      // a resume before any message still asks for everything after seq 0, so nothing published in between is skipped
      afterSeq: isResume ? slot.tracker.highestSeq : undefined,
      afterEpoch: slot.tracker.epoch,
      config: this.job.scenario,
      sink,
      bytes: slot.bytes,
    })
    if (this.abort.signal.aborted || generation !== slot.generation) {
      await conn.close()
      return
    }
    slot.conn = conn
    if (slot.isFrozen && !this.isFinishing) conn.pauseReading?.()
  }

  /** The warm-up is over: every slow client stops reading. */
  private freeze (): void {
    for (const slot of this.slots) {
      if (!slot.isSlow) continue
      slot.isFrozen = true
      slot.conn?.pauseReading?.()
    }
  }

  private onMessage (slot: ClientSlot, env: Envelope, recvUs: number): void {
    if (slot.firstRecvUs === 0) slot.firstRecvUs = recvUs
    const arrival = slot.tracker.accept(env.epoch, env.seq)
    if (arrival !== 'duplicate' && env.tSendUs < slot.resumeStartUs) this.counters.replayed++
    // a slow client's backlog measures its own stall, not the transport: latency is the readers'
    this.recorder.record(env, recvUs, arrival !== 'duplicate' && !slot.isSlow)
  }

  private onClosed (slot: ClientSlot, generation: number, info: ConnectionClosed): void {
    if (generation !== slot.generation || this.abort.signal.aborted) return
    if (!slot.isFrozen && isSlowConsumerCut(info)) this.counters.readerCuts++
    slot.conn = undefined
    if (slot.isFrozen) {
      // the server ended a connection that was not being read: a slow-consumer cut, and a frozen client does not come back
      slot.wasCut = true
      this.counters.slowConsumerCuts++
      return
    }
    this.counters.reconnects++
    const droppedAtUs = nowUs()
    this.connectWithRetry(slot, true).then(() => {
      if (slot.conn !== undefined) this.recoverTime.record(nowUs() - droppedAtUs)
    }, () => {
      // the client stays down; what it misses is counted as lost at reconcile
    })
  }

  private sendUpstream (slot: ClientSlot, seq: number, tSchedUs: number): void {
    if (slot.conn === undefined) {
      this.counters.upstreamFailed++
      return
    }
    const message: UpstreamMessage = {
      client: slot.id,
      seq,
      tSchedUs,
      payload: this.payloadOf(seq, this.job.scenario.upstreamPayloadBytes),
    }
    this.upstreamInFlight++
    slot.conn.send(message).then(
      () => { this.counters.upstreamSent++ },
      () => { this.counters.upstreamFailed++ }
    ).finally(() => { this.upstreamInFlight-- })
  }
}
