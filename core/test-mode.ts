import { errors } from './errors.ts'

/** Environment variable that unlocks test-only options such as the injected slowdown: set it to 1. */
export const TEST_MODE_ENV = 'FEEDBENCH_TEST_MODE'

/** Largest injected delay per published batch, µs (a tenth of a second: far beyond any slowdown worth measuring). */
export const MAX_INJECTED_DELAY_US = 100_000

/** True when test-only options are allowed: FEEDBENCH_TEST_MODE=1 in `env`. */
export function isTestMode (env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TEST_MODE_ENV] === '1'
}

/**
 * Parses `--inject-delay-us N` (an integer 0..MAX_INJECTED_DELAY_US, µs per published batch). Throws
 * BENCH_ERR_TEST_ONLY naming the option unless test mode is on, and BENCH_ERR_OPTION_INVALID on a bad value.
 */
export function parseInjectedDelayUs (option: string, raw: string, env: NodeJS.ProcessEnv = process.env): number {
  if (!isTestMode(env)) throw new errors.BENCH_ERR_TEST_ONLY(option, JSON.stringify(raw), TEST_MODE_ENV)
  const value = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || value > MAX_INJECTED_DELAY_US) {
    throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(raw), `an integer 0..${MAX_INJECTED_DELAY_US} (µs per published batch)`)
  }
  return value
}
