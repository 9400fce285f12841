import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readResult } from '../results/store.ts'
import { abbaOrder, checkInterleaveOptions, parseAbArgs } from './ab.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX = import.meta.resolve('tsx')

interface Outcome { code: number | null, stdout: string, stderr: string }

function run (entry: string, args: readonly string[], timeoutMs = 180_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, entry, ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr }))
  })
}

describe('npm run bench:ab options', () => {
  it('orders one-round runs ABBA: each side goes first in every other pair', () => {
    expect(abbaOrder(1)).toEqual(['base', 'head'])
    expect(abbaOrder(4).map((s) => s === 'base' ? 'A' : 'B').join('')).toBe('ABBAABBA')
  })

  it('keeps its own options and passes every other one to npm run bench', () => {
    const args = parseAbArgs(['--base', '../b', '--scenario', 'ticker', '--rounds=6', '--profile', 'ci', '--out', 'o'], '/x/head')
    expect(args).toEqual({ dirs: { base: '/x/b', head: '/x/head' }, rounds: 6, outDir: '/x/head/o', benchArgs: ['--scenario', 'ticker', '--profile', 'ci'], help: false })
  })

  it('refuses a missing --base, a bad --rounds, options the driver sets itself and a directory that is no installed checkout', () => {
    expect(() => parseAbArgs(['--scenario', 'ticker'], '/x')).toThrow('Invalid --base: missing (allowed: the base checkout directory)')
    expect(() => parseAbArgs(['--base', '.', '--rounds', '0'], '/x')).toThrow('Invalid --rounds: "0" (allowed: an integer from 1 to 100)')
    expect(() => checkInterleaveOptions({ base: ROOT, head: ROOT }, ['--report', 'r.html'])).toThrow(/Invalid --report: "--report" \(allowed: any npm run bench option except/)
    const empty = mkdtempSync(join(tmpdir(), 'feedbench-ab-'))
    expect(() => checkInterleaveOptions({ base: empty, head: ROOT }, [])).toThrow(/Invalid --base: ".*" \(allowed: a feedbench checkout \(no readable package.json there\)\)/)
    writeFileSync(join(empty, 'package.json'), JSON.stringify({ scripts: { bench: 'tsx runner/main.ts' } }))
    expect(() => checkInterleaveOptions({ base: empty, head: ROOT }, [])).toThrow(/a checkout with installed dependencies \(run npm ci there first\)/)
  })

  it('rejects bad bench options and ramp scenarios before any load, exit 2, nothing written', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedbench-ab-'))
    const bad = await run('runner/ab-main.ts', ['--base', '.', '--out', out, '--scenario', 'ticker', '--rate', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(/error: BENCH_ERR_\w+: .*rate/)
    const ramp = await run('runner/ab-main.ts', ['--base', '.', '--out', out, '--scenario', 'fan-out-scale'])
    expect(ramp.code).toBe(2)
    expect(ramp.stderr).toContain('Invalid --scenario: "fan-out-scale" (allowed: scenarios without a client ramp')
  })
})

describe('npm run bench:ab end to end', () => {
  it('runs base and head interleaved ABBA and leaves one merged, comparable result per side', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'feedbench-ab-')), 'ab')
    mkdirSync(out)
    const ab = await run('runner/ab-main.ts', ['--base', '.', '--head', '.', '--rounds', '2', '--out', out,
      '--scenario', 'ticker', '--transport', 'ws,sse', '--clients', '3', '--rate', '50', '--duration', '400ms', '--warmup', '100ms'])
    expect(ab.stderr).not.toContain('error:')
    expect(ab.code).toBe(0)
    expect(ab.stderr).toMatch(/\[1\/4\] base run 1: 2 rounds, all valid/)
    expect(ab.stderr).toMatch(/\[2\/4\] head run 1: .*\n.*\[3\/4\] head run 2: .*\n.*\[4\/4\] base run 2: /)
    for (const side of ['base', 'head'] as const) {
      const merged = readResult(join(out, side, 'latest.json'))
      expect(merged.options.rounds).toBe(2)
      expect(merged.options.interleaved).toEqual({ side, order: 'ABBA' })
      expect(merged.rounds.map((r) => `${r.transport}#${r.round}`).sort()).toEqual(['sse#1', 'sse#2', 'ws#1', 'ws#2'])
      // the two one-round runs it came from are kept beside it
      expect(readResult(join(out, side, 'runs', '2', 'latest.json')).rounds).toHaveLength(2)
    }
    const cmp = await run('results/main.ts', [join(out, 'base', 'latest.json'), join(out, 'head', 'latest.json')])
    expect(cmp.code).toBe(0)
    expect(cmp.stdout).toContain('interleaved')
  })
})
