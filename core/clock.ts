/**
 * Monotonic time in integer microseconds. process.hrtime.bigint() reads CLOCK_MONOTONIC, which every
 * process on one Linux host shares, so a value taken in the server and one taken in a load generator
 * can be subtracted to give a one-way latency.
 */
export function nowUs (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** Resolves after `ms` milliseconds; the timer does not keep the process alive past an abort. */
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done (): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
