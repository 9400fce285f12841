import type { LoadgenToRunner, RunnerToLoadgen } from '../core/control.ts'
import { isBenchError } from '../core/errors.ts'
import { LoadSession } from './session.ts'

// The runner talks at least this often before it sends a job; afterwards the round's length plus this margin.
const SILENCE_MARGIN_MS = 60_000

let session: LoadSession | undefined
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
  // open sockets and pools must not keep a finished load generator alive
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

async function handle (message: RunnerToLoadgen): Promise<void> {
  switch (message.type) {
    case 'job': {
      const { scenario } = message.job
      silenceLimitMs = scenario.warmupMs + scenario.durationMs + scenario.drainMs + SILENCE_MARGIN_MS
      armSilenceTimer()
      session = new LoadSession(message.job)
      await session.connectAll()
      await send({ type: 'connected', clients: session.slots.length, connectMs: session.connectMs })
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

function requireSession (step: string): LoadSession {
  if (session === undefined) throw new Error(`'${step}' arrived before 'job'`)
  return session
}

if (process.send === undefined) {
  process.stderr.write('clients/main.ts is the load-generator process: the runner forks it with an IPC channel (npm run bench)\n')
  process.exitCode = 2
} else {
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
