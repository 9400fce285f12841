import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../results/schema.ts'

// The commands end to end on loopback: npm run serve, npm run bench -- --loadgens 2, two npm run loadgen.

const TSX = import.meta.resolve('tsx')
const dir = mkdtempSync(join(tmpdir(), 'feedbench-remote-bench-'))
const children: ChildProcess[] = []

interface Started { readonly child: ChildProcess, readonly exited: Promise<number | null>, stderr: string }

function start (entry: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, ['--import', TSX, entry, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } })
  children.push(child)
  const s: Started = { child, exited: once(child, 'exit').then(([code]) => code as number | null), stderr: '' }
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { s.stderr += chunk })
  return s
}

async function waitFor (s: Started, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = pattern.exec(s.stderr)
    if (m?.[1] !== undefined) return m[1]
    if (Date.now() > deadline || s.child.exitCode !== null) throw new Error(`no ${String(pattern)} within ${timeoutMs} ms: ${s.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

describe('npm run bench -- --loadgens', () => {
  it('runs every round on the connected generators and records their clocks in the result and the report', async () => {
    const token = { FEEDBENCH_TOKEN: `t-${process.pid}` }
    const server = start('runner/serve-main.ts', ['--scenario', 'ticker', '--transport', 'ws,sse', '--port', '0', '--idle'])
    const target = await waitFor(server, /feedbench server listening on (http:\/\/\S+)/, 30_000)
    const bench = start('runner/main.ts', ['--scenario', 'ticker', '--transport', 'ws,sse', '--rounds', '1', '--duration', '1s', '--warmup', '300ms',
      '--loadgens', '2', '--listen', '127.0.0.1:0', '--loadgen-wait', '30s', '--target', target, '--out', dir, '--report', join(dir, 'index.html')], token)
    const coordinator = await waitFor(bench, /load generators on (ws:\/\/\S+)/, 30_000)
    const loadgens = [0, 1].map((i) => start('clients/remote-main.ts', ['--coordinator', coordinator, '--index', String(i)], token))

    const code = await bench.exited
    // 3: a round INVALID because a generator saturated on this shared machine; the run itself completed
    expect([0, 3], bench.stderr).toContain(code)
    expect(await Promise.all(loadgens.map((l) => l.exited))).toEqual([0, 0])
    const result = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as RunResult
    expect(result.options).toMatchObject({ remoteLoadgens: 2, workers: 2, target })
    // a round whose generator saturated is run once more (status 'rerun' on the first attempt)
    expect(result.rounds.filter((r) => r.status !== 'rerun').map((r) => r.transport).sort()).toEqual(['sse', 'ws'])
    for (const r of result.rounds) {
      expect(r.clients).toBe(20)
      expect(r.counters.received).toBeGreaterThan(0)
      expect(r.invalidReasons.filter((x) => x.includes('disconnected'))).toEqual([])
      expect((r.clocks ?? []).map((c) => c.worker)).toEqual([0, 1])
      for (const c of r.clocks ?? []) expect(Math.abs(c.offsetUs)).toBeLessThanOrEqual(c.boundUs)
    }
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('Clocks across hosts')
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  }, 120_000)
})
