// Test-only fault injection: a fixed delay per published batch, so the CI gate's power can be
// measured against a known regression (bench/gate-power.ts). Off (0) unless servers/main.ts turns it on,
// which it does only in test mode (FEEDBENCH_TEST_MODE=1, see core/test-mode.ts).

const sleeper = new Int32Array(new SharedArrayBuffer(4))
let delayUs = 0

/** Sets the delay added before every published batch leaves the hub, µs; 0 turns injection off. */
export function setInjectedDelayUs (us: number): void {
  if (!(Number.isInteger(us) && us >= 0)) throw new RangeError(`injected delay must be an integer >= 0 µs (got ${us})`)
  delayUs = us
}

/** The delay currently added to every published batch, µs (0: off). */
export function injectedDelayUs (): number {
  return delayUs
}

/**
 * Blocks the event loop for the injected delay (no-op when off). Atomics.wait sleeps without burning
 * CPU, so the injected regression is one of latency only: server CPU per message is left unchanged.
 */
export function injectDelay (): void {
  if (delayUs === 0) return
  Atomics.wait(sleeper, 0, 0, delayUs / 1000)
}
