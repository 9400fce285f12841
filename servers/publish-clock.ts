import { readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { nowUs } from '../core/clock.ts'

/**
 * How long before a deadline the worker wakes the main thread, which spins the rest, µs. Measured with
 * bench/publish-clock.ts at 200 msg/s on a shared 2-core machine (p50 lateness / spin per message):
 * lead 200 → 12–66 µs / 6–17 µs, 250 → 5–10 µs / 35–64 µs, 300 → 8 µs / 83–95 µs; the wake-up alone
 * (lead 0) is ~230 µs late.
 */
export const PUBLISH_CLOCK_LEAD_US = 250

/** A timer precise to tens of µs: callbacks run at or after their deadline (nowUs() time), never before. */
export interface PublishClock {
  /** 'worker': worker-thread wake-up plus a short spin; 'timeout': setTimeout only (whole ms, late by up to ~1 ms). */
  readonly kind: 'worker' | 'timeout'
  /** Wake-up lead before each deadline, µs (0 for 'timeout'). */
  readonly leadUs: number
  /** µs the main thread has spent busy-waiting for deadlines since the clock was created. */
  readonly spinUs: number
  /** Calls `callback` once nowUs() >= deadlineUs, in deadline order (ties: first come first); returns a cancel function. */
  at (deadlineUs: number, callback: () => void): () => void
  /**
   * CPU time the worker thread has used since it started, µs: the part of the precision's cost that is
   * not spinning (two thread wake-ups per deadline). Undefined without a worker or off Linux.
   */
  readonly workerCpuUs: number | undefined
  /** Resolves once the worker thread has exited (at once when there is none). */
  readonly exited: Promise<void>
  /** Cancels every callback and terminates the worker; resolves once its thread has exited. */
  close (): Promise<void>
}

/** Options of createPublishClock. */
export interface PublishClockOptions {
  /** Wake-up lead, µs (default PUBLISH_CLOCK_LEAD_US); the main thread spins at most this long per deadline. */
  readonly leadUs?: number
  /** 'timeout' skips the worker: setTimeout alone, as before the precise clock existed. */
  readonly kind?: 'worker' | 'timeout'
}

const NEVER_NS = 1n << 62n

interface Entry {
  readonly deadlineUs: number
  readonly callback: () => void
}

// The worker's only job is the coarse wait: Atomics.wait sleeps in the kernel without burning CPU and
// times out to the µs, where a main-thread setTimeout rounds to whole ms and runs ~1 ms late.
// Shared memory: int32 [0] generation (bumped at every arm), [1] closed, [2] the worker's Linux thread
// id (0: unknown), so the main thread can read its CPU time; int64 at byte 16: wake time, ns.
const WORKER_SOURCE = `'use strict'
const { workerData, parentPort } = require('node:worker_threads')
const control = new Int32Array(workerData, 0, 3)
const wake = new BigInt64Array(workerData, 16, 1)
try {
  Atomics.store(control, 2, Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()))
} catch {} // not Linux: the worker's CPU time stays unknown
for (;;) {
  const generation = Atomics.load(control, 0)
  if (Atomics.load(control, 1) !== 0) break
  const waitNs = Atomics.load(wake, 0) - process.hrtime.bigint()
  if (waitNs > 0n) {
    Atomics.wait(control, 0, generation, Number(waitNs) / 1e6)
    continue
  }
  parentPort.postMessage(generation)
  Atomics.wait(control, 0, generation)
}
`

/**
 * Creates the publisher's clock: a worker thread sleeps in Atomics.wait until `leadUs` before the
 * earliest deadline and posts a message; the main thread then spins on process.hrtime.bigint() up to
 * the deadline. A deadline already within the lead is spun to directly, after one setImmediate so the
 * batch just published leaves and I/O gets its turn first. Falls back to setTimeout, with a process
 * warning, when the worker cannot start. The worker never keeps the process alive.
 */
export function createPublishClock (options: PublishClockOptions = {}): PublishClock {
  const requestedLeadUs = options.leadUs ?? PUBLISH_CLOCK_LEAD_US
  if (!(Number.isInteger(requestedLeadUs) && requestedLeadUs >= 0)) throw new RangeError(`publish clock leadUs must be an integer >= 0 µs (got ${requestedLeadUs})`)
  const queue: Entry[] = []
  const shared = new SharedArrayBuffer(24)
  const control = new Int32Array(shared, 0, 3)
  const wake = new BigInt64Array(shared, 16, 1)
  let kind: 'worker' | 'timeout' = options.kind ?? 'worker'
  let leadUs = kind === 'worker' ? requestedLeadUs : 0
  let worker: Worker | undefined
  let isWorkerOnline = false
  let generation = 0
  let armedWakeUs = -1
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined
  let spinUs = 0
  let isFiring = false
  let isClosed = false
  let markExited = (): void => {}
  const exited = new Promise<void>((resolve) => { markExited = resolve })
  // not armed: the worker sleeps until the first arming
  Atomics.store(wake, 0, NEVER_NS)

  if (kind === 'worker') {
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: shared, execArgv: [], stdout: false, stderr: false })
      worker.on('online', () => { isWorkerOnline = true; armedWakeUs = -1; schedule() })
      worker.on('message', (armed: number) => {
        // a message for an older arming is stale: the worker is already waiting for the newer one
        if (armed !== generation) return
        armedWakeUs = -1
        fire()
      })
      worker.on('error', fallBack)
      worker.on('exit', (code) => {
        markExited()
        if (!isClosed) fallBack(new Error(`worker exited with code ${code}`))
      })
      // after the listeners: adding a 'message' listener refs the worker's port again
      worker.unref()
    } catch (error) {
      worker = undefined
      fallBack(error as Error)
    }
  }
  if (worker === undefined) markExited()

  function fallBack (error: Error): void {
    if (kind === 'timeout') return
    kind = 'timeout'
    leadUs = 0
    isWorkerOnline = false
    worker?.terminate().catch(() => {}) // it failed already: its exit is all that is left
    process.emitWarning(`publish clock: the worker thread failed (${error.message}); publishing on setTimeout, up to ~1 ms late`, { code: 'FEEDBENCH_PUBLISH_CLOCK_FALLBACK' })
    schedule()
  }

  function armWorker (wakeUs: number): void {
    if (wakeUs === armedWakeUs) return
    armedWakeUs = wakeUs
    Atomics.store(wake, 0, BigInt(wakeUs) * 1000n)
    generation = (generation + 1) | 0
    Atomics.store(control, 0, generation)
    Atomics.notify(control, 0)
  }

  /** Arms exactly one wake-up source for the earliest deadline. */
  function schedule (): void {
    if (isFiring || isClosed) return
    clearTimeout(timer)
    timer = undefined
    const head = queue[0]
    if (head === undefined) return
    const remainingUs = head.deadlineUs - nowUs()
    if (remainingUs <= leadUs) {
      immediate ??= setImmediate(() => { immediate = undefined; fire() })
    } else if (isWorkerOnline) {
      armWorker(head.deadlineUs - leadUs)
    } else {
      // 'timeout', or the worker is still starting
      timer = setTimeout(fire, Math.ceil(remainingUs / 1000))
    }
  }

  function fire (): void {
    if (isClosed) return
    const head = queue[0]
    if (head === undefined) return
    let now = nowUs()
    if (head.deadlineUs > now) {
      // a wake-up further than the lead away (a timer that fired early, a stale message) waits again
      if (head.deadlineUs - now > leadUs) return schedule()
      const startUs = now
      while (now < head.deadlineUs) now = nowUs()
      spinUs += now - startUs
    }
    // callbacks added while these run wait for the next wake-up, even when already due
    let due = 0
    while (due < queue.length && (queue[due] as Entry).deadlineUs <= now) due++
    const batch = queue.splice(0, due)
    isFiring = true
    try {
      for (const entry of batch) entry.callback()
    } finally {
      isFiring = false
      schedule()
    }
  }

  return {
    get kind () { return kind },
    get leadUs () { return leadUs },
    get spinUs () { return spinUs },
    get workerCpuUs () { return kind === 'worker' ? threadCpuUs(Atomics.load(control, 2)) : undefined },
    exited,
    at (deadlineUs, callback) {
      if (isClosed) return () => {}
      const entry: Entry = { deadlineUs: Math.ceil(deadlineUs), callback }
      let i = queue.length
      while (i > 0 && (queue[i - 1] as Entry).deadlineUs > entry.deadlineUs) i--
      queue.splice(i, 0, entry)
      if (i === 0) schedule()
      return () => {
        const index = queue.indexOf(entry)
        if (index < 0) return
        queue.splice(index, 1)
        if (index === 0) schedule()
      }
    },
    async close () {
      if (isClosed) return
      isClosed = true
      queue.length = 0
      clearTimeout(timer)
      if (immediate !== undefined) clearImmediate(immediate)
      Atomics.store(control, 1, 1)
      Atomics.notify(control, 0)
      await worker?.terminate()
      await exited
    },
  }
}

/** CPU time of one thread of this process (user + system), µs, from Linux's /proc schedstat; undefined when unreadable. */
function threadCpuUs (threadId: number): number | undefined {
  if (threadId === 0) return undefined
  try {
    const onCpuNs = Number(readFileSync(`/proc/self/task/${threadId}/schedstat`, 'utf8').split(' ')[0])
    return Number.isFinite(onCpuNs) ? Math.round(onCpuNs / 1000) : undefined
  } catch {
    return undefined
  }
}
