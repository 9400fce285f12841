import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readResult } from '../results/store.ts'
import type { RunResult } from '../results/schema.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX = import.meta.resolve('tsx')

function bench (args: readonly string[], timeoutMs: number): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, 'runner/main.ts', ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr }))
  })
}

describe('npm run bench -- --map', () => {
  it('runs a tiny sweep (2 rates × 1 connection count × 2 transports) as real rounds and charts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedbench-map-'))
    const out = await bench(['--map', '--map-rates', '2,20', '--map-clients', '3', '--transport', 'ws,poll', '--duration', '600ms', '--warmup', '200ms',
      '--out', dir, '--report', join(dir, 'index.html'), '--json'], 120_000)
    expect(out.stderr).not.toContain('error:')
    // 3: a point ran but cannot be trusted (on a shared machine a generator may saturate twice); it is kept and said
    expect([0, 3]).toContain(out.code)
    const printed = JSON.parse(out.stdout) as RunResult
    const stored = readResult(join(dir, 'latest.json'))
    expect(stored).toEqual(printed)
    expect(stored.rounds).toEqual([])
    const map = stored.map
    expect(map).toBeDefined()
    if (map === undefined) return
    expect(map.points.map((p) => `${p.transport}@${p.ratePerSec}`).sort()).toEqual(['poll@2', 'poll@20', 'ws@2', 'ws@20'])
    expect(out.code === 0).toBe(map.points.every((p) => p.status === 'measured'))
    for (const p of map.points) {
      expect(p.status === 'measured').toBe(p.reasons.length === 0)
      expect(p.clients).toBe(3)
      expect(p.serverCpuCores).toBeGreaterThan(0)
      expect(p.downBytesPerSec).toBeGreaterThan(0)
      expect(p.latencySamples).toBeGreaterThan(0)
      // 3 connections are too few for a memory figure: none is given
      expect(p.memoryPerConnectionBytes).toBeUndefined()
      expect(p.setupBytesPerConnection).toBeGreaterThan(0)
    }
    // ten times the rate delivers about ten times the messages: each point is its own real round
    const ws = (rate: number) => map.points.find((p) => p.transport === 'ws' && p.ratePerSec === rate)
    if (ws(2)?.status === 'measured' && ws(20)?.status === 'measured') expect((ws(20)?.deliveredPerSec ?? 0) / (ws(2)?.deliveredPerSec ?? 1)).toBeGreaterThan(5)
    expect([map.durationMs, map.warmupMs, map.pollIntervalMs]).toEqual([600, 200, 1_000])
    const page = readFileSync(join(dir, 'index.html'), 'utf8')
    expect(page).toContain('<section id="map">')
    expect(page.match(/<canvas id="map-3-(cpu|bytes|p99)"/g)).toHaveLength(3)
    expect(out.stderr).toContain('Workload map (every point one real round):')
    expect(out.stderr).toMatch(/Crossovers \(\d+; only where two measured points bracket them\)/)
    expect(out.stderr).toMatch(/Claims across the map:\n {2}(confirmed|not confirmed|depends on workload|not measured) +WebSocket has low per-message overhead/)
  }, 150_000)
})
