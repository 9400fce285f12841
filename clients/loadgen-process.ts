import type { LoadgenJob, LoadgenReport, LoadgenToRunner, RunnerToLoadgen, RunStarted, RunStopped } from '../core/control.ts'
import { isBenchError } from '../core/errors.ts'

// The runner talks at least this often before it sends a job; afterwards the round's length plus this margin.
const SILENCE_MARGIN_MS = 60_000

/** What a load-generator process runs for one job, whichever kind of client it drives. */
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

/**
 * Speaks the runner's IPC protocol (core/control.ts: job → connected → start → finish → report, close)
 * for one kind of session; the one protocol every load-generator entry shares. `entry` names the
 * process in the message printed when it is started without an IPC channel.
 */
export function serveLoadgenProcess (entry: string, createSession: (job: LoadgenJob) => LoadgenSession): void {
  let session: LoadgenSession | undefined
  let silenceTimer: NodeJS.Timeout | undefined
  let silenceLimitMs = SILENCE_MARGIN_MS
  let queue: Promise<void> = Promise.resolve()
  let isExiting = false

  /** Sends one IPC message and resolves once it has been handed to the channel. */
  function send (message: LoadgenToRunner): Promise<void> {
    return new Promise((resolve) => {
      if (process.send === undefined || !process.connected) return resolve()
      process.send(message, undefined, {}, () => resolve())
    })
  }

  async function exit (code: number): Promise<void> {
    if (isExiting) return
    isExiting = true
    clearTimeout(silenceTimer)
    await session?.close().catch(() => {})
    process.exitCode = code
    // open sockets, pools and browsers must not keep a finished load generator alive
    process.exit()
  }

  async function fail (err: unknown): Promise<void> {
    const code = isBenchError(err) ? err.code : 'BENCH_ERR_CHILD_FAILED'
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`load generator failed: ${err instanceof Error ? (err.stack ?? message) : message}\n`)
    await send({ type: 'error', code, message })
    await exit(1)
  }

  function armSilenceTimer (): void {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(() => {
      fail(new Error(`the runner sent nothing for ${silenceLimitMs} ms`)).catch(() => {})
    }, silenceLimitMs)
  }

  function requireSession (step: string): LoadgenSession {
    if (session === undefined) throw new Error(`'${step}' arrived before 'job'`)
    return session
  }

  async function handle (message: RunnerToLoadgen): Promise<void> {
    switch (message.type) {
      case 'job': {
        const { scenario } = message.job
        silenceLimitMs = scenario.warmupMs + scenario.durationMs + scenario.drainMs + SILENCE_MARGIN_MS
        armSilenceTimer()
        session = createSession(message.job)
        await session.connectAll()
        await send({ type: 'connected', clients: session.clients, connectMs: session.connectMs })
        return
      }
      case 'start':
        requireSession('start').start(message.started, message.durationMs)
        return
      case 'finish': {
        const report = await requireSession('finish').finish(message.stopped)
        await send({ type: 'report', report })
        return
      }
      case 'close':
        await exit(0)
    }
  }

  if (process.send === undefined) {
    process.stderr.write(`${entry} is a load-generator process: the runner forks it with an IPC channel (npm run bench)\n`)
    process.exitCode = 2
    return
  }
  armSilenceTimer()
  process.on('message', (message: RunnerToLoadgen) => {
    armSilenceTimer()
    // one message at a time, in the order the runner sent them
    queue = queue.then(() => handle(message)).catch(fail)
  })
  // the runner is gone: nobody will read a report
  process.on('disconnect', () => { exit(1).catch(() => {}) })
  process.on('uncaughtException', (err) => { fail(err).catch(() => {}) })
  process.on('unhandledRejection', (err) => { fail(err).catch(() => {}) })
}
