import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { errorOf } from '../test-support/error-of.ts'
import { BENCH_PROFILES, parseBenchArgs } from './cli-options.ts'
import { parseInjectedDelayUs, TEST_MODE_ENV } from '../core/test-mode.ts'
import { loadScenario } from '../scenarios/catalog.ts'

const TEST_MODE = { [TEST_MODE_ENV]: '1' }

/** Runs an entry point with FEEDBENCH_TEST_MODE removed from the environment. */
function runWithoutTestMode (entry: string, args: readonly string[]) {
  const env = { ...process.env }
  delete env[TEST_MODE_ENV]
  const child = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', env, timeout: 30_000 })
  return { code: child.status, stdout: child.stdout, stderr: child.stderr }
}

describe('test mode: the injected slowdown is refused outside it', () => {
  it('refuses --inject-delay-us without FEEDBENCH_TEST_MODE=1, naming the option and the variable', () => {
    const e = errorOf(() => parseBenchArgs(['--inject-delay-us', '500'], {}))
    expect(e.code).toBe('BENCH_ERR_TEST_ONLY')
    expect(e.message).toBe('--inject-delay-us = "500" is a test-only option, refused unless FEEDBENCH_TEST_MODE=1 (it injects a slowdown to measure the CI gate)')
    expect(errorOf(() => parseBenchArgs(['--inject-delay-us', '500'], { [TEST_MODE_ENV]: 'yes' })).code).toBe('BENCH_ERR_TEST_ONLY')
  })

  it('accepts it in test mode, off by default, and checks the value', () => {
    expect(parseBenchArgs(['--inject-delay-us', '750'], TEST_MODE).injectedDelayUs).toBe(750)
    expect(parseBenchArgs([], TEST_MODE).injectedDelayUs).toBe(0)
    expect(errorOf(() => parseInjectedDelayUs('--inject-delay-us', '1.5', TEST_MODE)).message).toContain('Invalid --inject-delay-us: "1.5"')
    expect(errorOf(() => parseBenchArgs(['--inject-delay-us', '750', '--target', 'http://127.0.0.1:8080'], TEST_MODE)).message)
      .toContain('only with servers the runner starts')
  })

  it('npm run bench exits 2 with the coded error before any load', () => {
    const out = runWithoutTestMode('runner/main.ts', ['--inject-delay-us', '500', '--out', '/nonexistent/never-written'])
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('error: BENCH_ERR_TEST_ONLY: --inject-delay-us = "500" is a test-only option')
    expect(out.stdout).toBe('')
  })

  it('npm run serve exits 2 with the coded error and never listens', () => {
    const out = runWithoutTestMode('runner/serve-main.ts', ['--port', '0', '--inject-delay-us', '500'])
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('error: BENCH_ERR_TEST_ONLY: --inject-delay-us = "500" is a test-only option, refused unless FEEDBENCH_TEST_MODE=1')
    expect(out.stderr).not.toContain('listening')
  })

  it('the runner\'s server process refuses it too', () => {
    const out = runWithoutTestMode('servers/main.ts', ['--scenario-json', JSON.stringify(loadScenario('ticker')), '--port', '0', '--inject-delay-us', '500'])
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('error: BENCH_ERR_TEST_ONLY: --inject-delay-us = "500" is a test-only option')
    expect(out.stderr).not.toContain('listening')
  })
})

describe('--profile ci', () => {
  it('runs enough rounds for the rank test, with short windows', () => {
    const o = parseBenchArgs(['--profile', 'ci'])
    expect(o.profile).toBe('ci')
    expect(o.rounds).toBe(BENCH_PROFILES.ci.rounds)
    expect(o.rounds).toBeGreaterThanOrEqual(5) // 5 vs 5: smallest two-sided p is 0.008
    expect(o.overrides).toMatchObject({ durationMs: BENCH_PROFILES.ci.durationMs, warmupMs: BENCH_PROFILES.ci.warmupMs })
  })

  it('lets explicit flags win, and refuses an unknown profile or --quick with it', () => {
    expect(parseBenchArgs(['--profile', 'ci', '--rounds', '8', '--duration', '2s']).rounds).toBe(8)
    expect(parseBenchArgs(['--profile', 'ci', '--duration', '2s']).overrides).toMatchObject({ durationMs: 2000 })
    expect(errorOf(() => parseBenchArgs(['--profile', 'fast'])).message).toBe('Invalid --profile: "fast" (allowed: ci)')
    expect(errorOf(() => parseBenchArgs(['--profile', 'ci', '--quick'])).message).toContain('either --profile or --quick, not both')
  })
})
