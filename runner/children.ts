import { fork, type ChildProcess } from 'node:child_process'
import { errors } from '../core/errors.ts'
import { forkableEntry } from './bundle.ts'
import { pinnedExec } from './cpu-pinning.ts'

const STDERR_TAIL_BYTES = 4096

/** A process the runner exchanges messages with: a forked child (IPC) or a remote load generator (runner/coordinator.ts). */
export interface Child<Out> {
  readonly label: string
  /** Waits for the next message matching `accept`, failing on error messages, exit (or a lost connection) or timeout. */
  next<T extends Out>(accept: (m: Out) => m is T, timeoutMs: number, what: string): Promise<T>
  /** Sends one message (ignored once the child has exited). */
  send (message: unknown): void
  /** Resolves with the exit code; after `graceMs` it sends SIGKILL to this child's pid. */
  stop (signal: NodeJS.Signals | null, graceMs: number): Promise<number | null>
  stderrTail (): string
}

/** A forked TypeScript process with an IPC channel and the tail of its stderr kept for error messages. */
export interface ForkedChild<Out> extends Child<Out> {
  readonly process: ChildProcess
}

/**
 * Forks `entry` (a .ts file relative to the repo root; see forkableEntry) with IPC and piped stderr,
 * on `cpus` when given (started under taskset, so all its threads stay there).
 */
export function forkChild<Out extends { type: string }> (entry: string, args: readonly string[], label: string, cpus: readonly number[] | null = null,
  nodeFlags: readonly string[] = []): ForkedChild<Out> {
  const { path, execArgv } = forkableEntry(entry)
  const proc = fork(path, args, {
    ...pinnedExec(cpus, [...execArgv, ...nodeFlags]),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  let tail = ''
  proc.stderr?.setEncoding('utf8')
  proc.stderr?.on('data', (chunk: string) => { tail = (tail + chunk).slice(-STDERR_TAIL_BYTES) })
  const queue: Out[] = []
  let wake: (() => void) | undefined
  proc.on('message', (m) => { queue.push(m as Out); wake?.() })
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code, signal) => {
      exitCode = code ?? (signal === null ? null : 128)
      wake?.()
      resolve(exitCode)
    })
  })

  async function next<T extends Out> (accept: (m: Out) => m is T, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = queue.findIndex((m) => accept(m) || m.type === 'error')
      if (index >= 0) {
        const [m] = queue.splice(index, 1) as [Out]
        if (accept(m)) return m
        const e = m as unknown as { code: string, message: string }
        throw new errors.BENCH_ERR_CHILD_FAILED(label, `${e.code}: ${e.message}`)
      }
      if (exitCode !== undefined) {
        throw new errors.BENCH_ERR_CHILD_FAILED(label, `exited with code ${String(exitCode)} while waiting for ${what}${describeTail(tail)}`)
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new errors.BENCH_ERR_TIMEOUT(`${label} (${what})`, timeoutMs)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left)
        wake = done
        function done (): void { clearTimeout(timer); wake = undefined; resolve() }
      })
    }
  }

  return {
    process: proc,
    label,
    next,
    send (message) {
      if (exitCode === undefined && proc.connected) proc.send(message as never)
    },
    async stop (signal, graceMs) {
      if (exitCode !== undefined) return exitCode
      if (signal !== null && proc.pid !== undefined) proc.kill(signal)
      const timer = setTimeout(() => { if (exitCode === undefined) proc.kill('SIGKILL') }, graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
    stderrTail: () => tail,
  }
}

function describeTail (tail: string): string {
  const trimmed = tail.trim()
  return trimmed === '' ? '' : `; its last output:\n${trimmed.split('\n').slice(-8).join('\n')}`
}
