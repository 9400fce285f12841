import { execFile, fork } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { readResult } from '../results/store.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import type { RunResult } from '../results/schema.ts'
import { PATHS } from '../core/wire-protocol.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX = import.meta.resolve('tsx')

interface Outcome { code: number | null, stdout: string, stderr: string }

function bench (args: readonly string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, 'runner/main.ts', ...args], { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr }))
  })
}

/** Polls `check` every 100 ms until it holds; throws after `timeoutMs`. */
async function waitFor (check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function scenarioFile (content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedbench-scenario-'))
  const path = join(dir, 'scenario.json')
  writeFileSync(path, JSON.stringify(content))
  return path
}

describe('npm run bench end to end', () => {
  it('runs a tiny config over all four transports and leaves a schema-valid result and a report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedbench-run-'))
    const out = await bench(['--scenario', 'ticker', '--rounds', '1', '--duration', '800ms', '--warmup', '200ms', '--clients', '3',
      '--rate', '50', '--out', dir, '--report', join(dir, 'index.html'), '--json'])
    expect(out.stderr).not.toContain('error:')
    expect([0, 3]).toContain(out.code)
    const printed = JSON.parse(out.stdout) as RunResult
    const stored = readResult(join(dir, 'latest.json'))
    expect(stored).toEqual(printed)
    expect(stored.rounds.map((r) => r.transport).sort()).toEqual(['long-poll', 'poll', 'sse', 'ws'])
    for (const r of stored.rounds) {
      expect(r.counters.lost).toBe(0)
      expect(r.counters.expected).toBe(r.counters.received)
      expect(r.latency.count).toBeGreaterThan(0)
      expect(r.bytes.steadyRead).toBeGreaterThan(r.payloadBytesReceived)
    }
    expect(stored.scenarios[0]?.clients).toBe(3)
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<canvas')
    expect(out.stderr).toContain('scenario  transport')
  })
})

describe('bad input is refused before any load, with one clear error', () => {
  let closedPort = 0
  beforeAll(async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
  })

  const cases: Array<[string, () => string[], RegExp, number]> = [
    ['unknown scenario name lists the available ones', () => ['--scenario', 'tickr'],
      /BENCH_ERR_UNKNOWN_SCENARIO: Unknown scenario "tickr" \(available: ticker, chat/, 2],
    ['rate 0', () => ['--rate', '0'], /ratePerSec = 0 is not allowed \(a number > 0/, 2],
    ['negative rate in a scenario file', () => ['--scenario', scenarioFile({ name: 'neg', pattern: 'broadcast', ratePerSec: -5 })],
      /ratePerSec = -5 is not allowed/, 2],
    ['unknown key in a scenario file is named', () => ['--scenario', scenarioFile({ name: 'typo', pattern: 'broadcast', clientz: 5 })],
      /unknown key "clientz"/, 2],
    ['payload above the server limit', () => ['--scenario', scenarioFile({ name: 'huge', pattern: 'broadcast', payloadBytes: 17 * 1024 * 1024 })],
      /payloadBytes = 17825792 is not allowed \(an integer >= 0 <= 16777216\)/, 2],
    ['long-poll hold at or above the client timeout', () => ['--scenario',
      scenarioFile({ name: 'hold', pattern: 'broadcast', clientTimeoutMs: 10_000, transports: { longPoll: { holdMs: 12_000 } } })],
    /holdMs = 12000 must be below clientTimeoutMs = 10000/, 2],
    ['more clients than ulimit -n allows', () => ['--clients', '20000'], /BENCH_ERR_LIMIT_EXCEEDED: --clients for scenario "ticker-1k" is 20000.*ulimit -n/, 2],
    ['unreachable target', () => ['--target', `http://127.0.0.1:${closedPort}`], /BENCH_ERR_TARGET_UNREACHABLE: Target http:\/\/127.0.0.1:\d+ is unreachable: connect ECONNREFUSED/, 1],
    ['unknown transport', () => ['--transport', 'grpc'], /Unknown transport "grpc" \(available: ws, sse, long-poll, poll\)/, 2],
    ['unknown network profile', () => ['--network', 'moon'], /Invalid --network: "moon" \(allowed: loopback, lan, wan, mobile\)/, 2],
    ['SLO of zero', () => ['--capacity', '--slo-p99', '0'], /Invalid --slo-p99: "0" \(allowed: a duration above zero/, 2],
    ['negative SLO', () => ['--slo-p99=-5ms'], /Invalid --slo-p99: "-5ms" \(allowed: a duration such as 500ms/, 2],
    ['unparsable SLO', () => ['--slo-p99', 'fast'], /Invalid --slo-p99: "fast"/, 2],
    ['a server core that does not exist', () => ['--server-cpus', '4095'], /Invalid --server-cpus: "4095" \(allowed: cores this machine lets the run use/, 2],
    ['server cores leaving none for the generators', () => ['--server-cpus', '0-4095'], /Invalid --server-cpus: "0-4095"/, 2],
    ['--capacity with a scenario that has no load dimension', () => ['--capacity', '--scenario', 'slow-consumer'],
      /Invalid --capacity: with scenario "slow-consumer" \(allowed: a scenario whose load can be raised .*slow-consumer injects faults.slowClients\)/, 2],
    ['unknown client kind', () => ['--clients-in', 'firefox'], /BENCH_ERR_OPTION_INVALID: Invalid --clients-in: "firefox" \(allowed: node, chromium\)/, 2],
    ['HTTP/3', () => ['--tls', '--http', '3'], /Invalid --http: "3" \(allowed: 1.1 or 2/, 2],
    ['HTTP/2 with ws only', () => ['--tls', '--http', '2', '--transport', 'ws'], /Invalid --http: "2" \(allowed: 2 only with sse, long-poll or poll.*RFC 8441/, 2],
    ['--max-time without --capacity', () => ['--max-time', '1m'], /Invalid --max-time: "1m" \(allowed: only with --capacity or --map\)/, 2],
    ['--map with --capacity', () => ['--map', '--capacity'], /Invalid --map: with --capacity \(allowed: either --map or --capacity, not both\)/, 2],
    ['--map with an unknown rate', () => ['--map', '--map-rates', '0.1,fast'], /Invalid --map-rates: "0.1,fast" \(allowed: a comma-separated list of per-client rates in msg\/s/, 2],
    ['--map with a connection count the machine cannot hold', () => ['--map', '--map-clients', '100,20000'], /BENCH_ERR_LIMIT_EXCEEDED: --clients for scenario "map" is 20000.*ulimit -n/, 2],
  ]

  it.each(cases)('%s', async (_name, args, message, code) => {
    const dir = mkdtempSync(join(tmpdir(), 'feedbench-bad-'))
    const out = await bench([...args(), '--out', dir, '--report', join(dir, 'index.html')], 30_000)
    expect(out.stderr).toMatch(message)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.code).toBe(code)
    expect(existsSync(join(dir, 'latest.json'))).toBe(false)
  })

  it('--tls without a working openssl: exit 1 naming it, before any load, no result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedbench-bad-'))
    const out = await bench(['--tls', '--scenario', 'ticker', '--out', dir, '--report', join(dir, 'index.html')], 30_000,
      { ...process.env, FEEDBENCH_OPENSSL: '/nonexistent/openssl' })
    expect(out.stderr).toMatch(/BENCH_ERR_TLS_SETUP: Cannot make the TLS certificate for --tls: \/nonexistent\/openssl not found \(install the openssl package/)
    expect(out.stderr.trim().split('\n')).toHaveLength(1)
    expect(out.code).toBe(1)
    expect(existsSync(join(dir, 'latest.json'))).toBe(false)
    expect(existsSync(join(dir, 'index.html'))).toBe(false)
  })
})

describe('a server lost in the middle of a round', () => {
  it('makes the run fail loudly with the clients\' loss and reconnect counts, a non-zero exit and no result file', async () => {
    const server = fork(join(ROOT, 'servers/main.ts'), ['--scenario-json', JSON.stringify(loadScenario('ticker')), '--transport', 'ws', '--port', '0', '--idle'],
      { cwd: ROOT, execArgv: ['--import', TSX], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.once('message', (m) => resolve((m as { url: string }).url))
        server.once('exit', () => reject(new Error('server exited before listening')))
      })
      const dir = mkdtempSync(join(tmpdir(), 'feedbench-kill-'))
      const running = bench(['--scenario', 'ticker', '--transport', 'ws', '--target', url, '--rounds', '1', '--duration', '8s',
        '--warmup', '200ms', '--out', dir, '--report', join(dir, 'index.html')], 60_000)
      // well inside the run, however long the bench took to start: all 20 clients connected (the run starts
      // right after), then 2 s of receiving
      await waitFor(async () => ((await (await fetch(url + PATHS.controlStats)).json()) as { openConnections: number }).openConnections >= 20, 45_000)
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      server.kill('SIGKILL')
      const out = await running
      expect(out.code).toBe(1)
      expect(out.stderr).toMatch(/^error: BENCH_ERR_SERVER_LOST: Server http:\/\/127.0.0.1:\d+ stopped answering during POST \/_feedbench\/stop: the clients had received [1-9]\d* messages, lost their connection ([2-9]\d|\d{3,}) times, failed [1-9]\d* reconnect attempts/)
      expect(existsSync(join(dir, 'latest.json'))).toBe(false)
    } finally {
      server.kill('SIGKILL')
    }
  })
})

describe('a saturated load generator', () => {
  it('makes the round INVALID with its reason, shown in the summary, and the command exits 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedbench-saturated-'))
    // 50,000 msg/s to 20 clients is a million deliveries a second: far above what one generator process takes
    const out = await bench(['--scenario', 'ticker', '--transport', 'ws', '--rate', '50000', '--clients', '20', '--duration', '1s',
      '--warmup', '200ms', '--rounds', '1', '--out', dir, '--report', join(dir, 'index.html')])
    expect(out.code).toBe(3)
    // the saturation is the cause and comes first, whichever signal saw it; what followed (cuts, gaps) may be listed after it
    expect(out.stdout).toMatch(/INVALID rounds \(1\), left out of every figure:\n {2}ticker \/ ws round 1: load generator 0 saturated: (event-loop delay p99 was [\d.]+ ms|process CPU|the server cut \d+ of its connections)/)
    expect(out.stderr).toContain('INVALID rounds in this run')
    const stored = readResult(join(dir, 'latest.json'))
    expect(stored.valid).toBe(false)
    expect(stored.rounds.at(-1)?.status).toBe('invalid')
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('saturated')
  })
})
