import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildControlledRun } from './fixtures/compare-runs.ts'

let dir = ''
const file = (name: string) => join(dir, name)

function compareCli (...args: string[]) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'results/main.ts', ...args], { encoding: 'utf8', timeout: 30_000 })
  return { code: child.status, stdout: child.stdout, stderr: child.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'feedbench-compare-'))
  const base = buildControlledRun({ rounds: 6, seed: 1 })
  writeFileSync(file('base.json'), JSON.stringify(base))
  writeFileSync(file('regressed.json'), JSON.stringify(buildControlledRun({ rounds: 6, seed: 2, factors: { p99: 1.3 } })))
  writeFileSync(file('other-config.json'), JSON.stringify({ ...base, scenarios: base.scenarios.map((s) => ({ ...s, clients: s.clients + 1 })) }))
  writeFileSync(file('broken.json'), JSON.stringify({ ...base, rounds: 'none' }))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('npm run compare', () => {
  it('exits 0 and prints a passing markdown summary for identical runs', () => {
    const out = compareCli(file('base.json'), file('base.json'))
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^## feedbench compare: pass\n/)
    expect(out.stdout).toContain('### fixture-broadcast')
  })

  it('exits 99 on a regression and writes the summary to --markdown FILE', () => {
    const out = compareCli(file('base.json'), file('regressed.json'), '--threshold', '10%', '--markdown', file('summary.md'))
    expect(out.code).toBe(99)
    expect(out.stdout).toBe('')
    expect(out.stderr).toMatch(/REGRESSION in .*fixture-broadcast\/ws p99/)
    expect(readFileSync(file('summary.md'), 'utf8')).toMatch(/^## feedbench compare: REGRESSION/)
  })

  it('exits 0 on the same regression when p99 is not among --metric', () => {
    expect(compareCli(file('base.json'), file('regressed.json'), '--metric', 'p50,bytes').code).toBe(0)
  })

  it('exits 2 on bad usage, naming the option, the value and what is allowed', () => {
    const threshold = compareCli(file('base.json'), file('base.json'), '--threshold', 'ten')
    expect(threshold.code).toBe(2)
    expect(threshold.stderr).toContain('Invalid --threshold: "ten" (allowed: a percentage from 0% to 1000%, such as 10%)')
    const metric = compareCli(file('base.json'), file('base.json'), '--metric', 'p50,p95')
    expect(metric.code).toBe(2)
    expect(metric.stderr).toContain('Invalid --metric: "p95" (allowed: a comma-separated list of p50, p99, msgs, bytes, cpu)')
    expect(compareCli(file('base.json'), file('base.json'), '--bogus').code).toBe(2)
    expect(compareCli(file('base.json')).code).toBe(2)
    expect(compareCli(file('base.json'), '--export', 'csv', file('x.csv')).stderr).toContain('Invalid --export: "csv" (allowed: bmf, github-action-benchmark)')
  })

  it('exits 1 when configs differ, naming the key path', () => {
    const out = compareCli(file('base.json'), file('other-config.json'))
    expect(out.code).toBe(1)
    expect(out.stderr).toContain('BENCH_ERR_CONFIG_MISMATCH: Cannot compare runs with different configs: scenarios[fixture-broadcast].clients is 8 in base and 9 in head')
  })

  it('exits 1 on a file that is not a valid result', () => {
    const out = compareCli(file('base.json'), file('broken.json'))
    expect(out.code).toBe(1)
    expect(out.stderr).toContain('BENCH_ERR_RESULT_INVALID')
  })

  it('exports one result to BMF and github-action-benchmark files without comparing', () => {
    const out = compareCli('--export', 'bmf', file('bmf.json'), file('base.json'), '--export', 'github-action-benchmark', file('gab.json'))
    expect(out.code).toBe(0)
    expect(Object.keys(JSON.parse(readFileSync(file('bmf.json'), 'utf8')))).toContain('fixture-chat/sse-vs-ws')
    expect(JSON.parse(readFileSync(file('gab.smaller.json'), 'utf8'))[0]).toHaveProperty('unit')
    expect(JSON.parse(readFileSync(file('gab.bigger.json'), 'utf8'))[0].unit).toBe('msg/s')
    expect(existsSync(file('gab.json'))).toBe(false)
  })
})
