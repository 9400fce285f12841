import type { ClockEstimate, LoadgenJob, LoadgenReport, LoadgenToRunner, RunnerToLoadgen, RunStarted, RunStopped } from '../core/control.ts'
import { isBenchError } from '../core/errors.ts'
import { estimateClockOffset } from './clock-offset.ts'

// The runner talks at least this often before it sends a job; afterwards the round's length plus this margin.
const SILENCE_MARGIN_MS = 60_000

/** What a load-generator process runs for one job, whichever kind of client it drives (Node adapters, Chromium pages). */
export interface LoadgenSession {
  /** Clients of the job. */
  readonly clients: number
  /** How long connectAll took, ms. */
  readonly connectMs: number
  connectAll (): Promise<void>
  start (started: RunStarted, runMs: number): void
  finish (stopped: RunStopped): Promise<LoadgenReport>
  close (): Promise<void>
}

/** Makes the session of a job; `clock` is the generator's offset to the server's clock when it is on another host. */
export type SessionFactory = (job: LoadgenJob, clock: ClockEstimate | undefined) => LoadgenSession

/** How a load generator talks to its runner: a forked child's IPC channel, or a coordinator's WebSocket. */
export interface LoadgenChannel {
  /** Sends one message and resolves once it has been handed to the channel. */
  send (message: LoadgenToRunner): Promise<void>
  /**
   * A remote generator (another host): it estimates its clock offset to the server before every job,
   * and 'close' ends the round's clients, not the process (the coordinator closes the channel at the end).
   */
  readonly isRemote: boolean
  /** The server as this generator reaches it, when that differs from the job's baseUrl (origin, e.g. a local proxy). */
  readonly serverUrl?: string
  /** Ends the process: every path out goes through here once. */
  exit (code: number): void
}

/** The load generator's side of the runner protocol (core/control.ts), over whichever channel carries it. */
export interface LoadgenHandler {
  /** Queues one message from the runner: handled one at a time, in the order sent. */
  receive (message: RunnerToLoadgen): void
  /** Reports the error to the runner (when it still listens) and exits with 1. */
  fail (err: unknown): Promise<void>
  /** Closes the clients and exits with `code`. */
  exit (code: number): Promise<void>
}

/** Creates the handler; an IPC child arms its silence timer at once, a remote generator once its first job arrives. */
export function createLoadgenHandler (channel: LoadgenChannel, createSession: SessionFactory): LoadgenHandler {
  let session: LoadgenSession | undefined
  // the offset the current session's latencies were corrected by, reported with them
  let sessionClock: ClockEstimate | undefined
  let silenceTimer: NodeJS.Timeout | undefined
  let silenceLimitMs = SILENCE_MARGIN_MS
  let queue: Promise<void> = Promise.resolve()
  let isExiting = false

  async function exit (code: number): Promise<void> {
    if (isExiting) return
    isExiting = true
    clearTimeout(silenceTimer)
    await session?.close().catch(() => {})
    channel.exit(code)
  }

  async function fail (err: unknown): Promise<void> {
    const code = isBenchError(err) ? err.code : 'BENCH_ERR_CHILD_FAILED'
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`load generator failed: ${err instanceof Error ? (err.stack ?? message) : message}\n`)
    await channel.send({ type: 'error', code, message })
    await exit(1)
  }

  function armSilenceTimer (): void {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(() => {
      fail(new Error(`the runner sent nothing for ${silenceLimitMs} ms`)).catch(() => {})
    }, silenceLimitMs)
  }

  async function startJob (job: LoadgenJob): Promise<void> {
    const { scenario } = job
    silenceLimitMs = scenario.warmupMs + scenario.durationMs + scenario.drainMs + SILENCE_MARGIN_MS
    armSilenceTimer()
    const target = channel.serverUrl === undefined ? job : { ...job, baseUrl: channel.serverUrl }
    // on the server's host the clocks are one (CLOCK_MONOTONIC); elsewhere they are aligned before every round
    const clock: ClockEstimate | undefined = channel.isRemote ? await estimateClockOffset(target.baseUrl) : undefined
    session = createSession(target, clock)
    sessionClock = clock
    await session.connectAll()
    await channel.send({ type: 'connected', clients: session.clients, connectMs: session.connectMs })
  }

  async function handle (message: RunnerToLoadgen): Promise<void> {
    switch (message.type) {
      case 'job':
        await startJob(message.job)
        return
      case 'start':
        requireSession('start').start(message.started, message.durationMs)
        return
      case 'finish': {
        const report = await requireSession('finish').finish(message.stopped)
        await channel.send({ type: 'report', report: sessionClock === undefined ? report : { ...report, clock: sessionClock } })
        return
      }
      case 'close':
        if (!channel.isRemote) return await exit(0)
        // the round is over; this generator waits for the next job (or for the coordinator to hang up)
        clearTimeout(silenceTimer)
        await session?.close()
        session = undefined
        sessionClock = undefined
    }
  }

  function requireSession (step: string): LoadgenSession {
    if (session === undefined) throw new Error(`'${step}' arrived before 'job'`)
    return session
  }

  if (!channel.isRemote) armSilenceTimer()
  return {
    receive (message) {
      armSilenceTimer()
      queue = queue.then(() => handle(message)).catch(fail)
    },
    fail,
    exit,
  }
}
