import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHistogram, decodeHistogram } from '../core/histogram.ts'
import { sumCounters, type DeliveryCounters } from '../core/measures.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { startOneWayDelay, type OneWayDelay } from '../test-support/one-way-delay.ts'
import { startCoordinator, type Coordinator } from './coordinator.ts'
import { NETWORK_PROFILES } from './network-profiles.ts'
import { buildRoundResult } from './round-result.ts'
import { runRound, type RoundPlan } from './round.ts'

// Three load generators, each in a network namespace of its own (a host with its own address and
// link), coordinated over the network; the server and the coordinator stay in the root namespace.
// The third link carries a 20 ms one-way delay (server → generator).

// light enough that three generators and the server share two cores without saturating
const SCENARIO = loadScenario('ticker', { clients: 30, ratePerSec: 50, durationMs: 2_000, warmupMs: 500 })
const GENERATORS = 3
const DELAYED = 2
const DELAY_MS = 20
const TOKEN = `netns-${process.pid}`
const TSX = import.meta.resolve('tsx')
// per-run names and a per-run /16 (10.200–249.x.x), so concurrent runs on one machine do not collide
const tag = `fb${process.pid % 1_000_000}`
const net = `10.${200 + (process.pid % 50)}`
const ns = (n: number): string => `${tag}n${n}`
const hostVeth = (n: number): string => `${tag}h${n}`
const nsVeth = (n: number): string => `${tag}g${n}`
const hostAddr = (n: number): string => `${net}.${n + 1}.1`
const nsAddr = (n: number): string => `${net}.${n + 1}.2`

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Whether this machine lets us create network namespaces (root, CAP_NET_ADMIN). */
function canCreateNamespaces (): boolean {
  const probe = `${tag}probe`
  try {
    ip('netns', 'add', probe)
    ip('netns', 'del', probe)
    return true
  } catch {
    return false
  }
}

const isPermitted = canCreateNamespaces()
if (!isPermitted) {
  if (process.env.CI === 'true') throw new Error('remote-loadgens e2e: `ip netns add` is not permitted, and CI=true never skips it')
  process.stderr.write('SKIPPED remote-loadgens e2e: `ip netns add` is not permitted here (needs root / CAP_NET_ADMIN)\n')
}

interface Generator { readonly child: ChildProcess, readonly exited: Promise<number | null>, output: string }

describe.skipIf(!isPermitted)('remote load generators in network namespaces', () => {
  const created: { namespaces: string[], veths: string[] } = { namespaces: [], veths: [] }
  const generators: Generator[] = []
  let server: ChildProcess | undefined
  let serverUrl = ''
  let coordinator: Coordinator | undefined
  let delay: OneWayDelay | undefined
  let delayKind = ''
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`))

  beforeAll(async () => {
    for (let n = 0; n < GENERATORS; n++) {
      ip('netns', 'add', ns(n))
      created.namespaces.push(ns(n))
      ip('link', 'add', hostVeth(n), 'type', 'veth', 'peer', 'name', nsVeth(n))
      created.veths.push(hostVeth(n))
      ip('link', 'set', nsVeth(n), 'netns', ns(n))
      ip('addr', 'add', `${hostAddr(n)}/30`, 'dev', hostVeth(n))
      ip('link', 'set', hostVeth(n), 'up')
      ip('-n', ns(n), 'addr', 'add', `${nsAddr(n)}/30`, 'dev', nsVeth(n))
      ip('-n', ns(n), 'link', 'set', nsVeth(n), 'up')
      ip('-n', ns(n), 'link', 'set', 'lo', 'up')
      // the server and the coordinator listen on generator 0's host-side address; the others reach it over their own link
      ip('-n', ns(n), 'route', 'add', 'default', 'via', hostAddr(n))
    }
    const scenarioFile = join(dir, 'scenario.json')
    writeFileSync(scenarioFile, JSON.stringify(SCENARIO))
    server = spawn(process.execPath, ['--import', TSX, 'runner/serve-main.ts', '--scenario', scenarioFile, '--transport', 'ws',
      '--host', hostAddr(0), '--port', '0', '--idle'], { stdio: ['ignore', 'ignore', 'pipe'] })
    serverUrl = await lineMatch(server, /feedbench server listening on (http:\/\/\S+)/, 30_000)
    try {
      execFileSync('tc', ['qdisc', 'add', 'dev', hostVeth(DELAYED), 'root', 'netem', 'delay', `${DELAY_MS}ms`], { stdio: ['ignore', 'ignore', 'pipe'] })
      delayKind = `tc netem delay ${DELAY_MS}ms on ${hostVeth(DELAYED)} (root → namespace)`
    } catch (err) {
      // this kernel has no netem qdisc: the same one-way delay from a forwarder on that link's host-side address
      delay = await startOneWayDelay(hostAddr(DELAYED), serverUrl, DELAY_MS)
      delayKind = `userspace one-way delay of ${DELAY_MS} ms on ${hostAddr(DELAYED)} (server → generator), because tc netem failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`
    }
    process.stderr.write(`remote-loadgens e2e: generator ${DELAYED}'s link: ${delayKind}\n`)
    coordinator = await startCoordinator({ host: hostAddr(0), port: 0, loadgens: GENERATORS, token: TOKEN })
    for (let n = 0; n < GENERATORS; n++) {
      const target = n === DELAYED && delay !== undefined ? ['--target', delay.url] : []
      const child = spawn('ip', ['netns', 'exec', ns(n), process.execPath, '--import', TSX, 'clients/remote-main.ts',
        '--coordinator', coordinator.url, '--index', String(n), '--wait', '30s', ...target],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FEEDBENCH_TOKEN: TOKEN } })
      const g: Generator = { child, exited: once(child, 'exit').then(([code]) => code as number | null), output: '' }
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { g.output = (g.output + chunk).slice(-4096) })
      generators.push(g)
    }
    await coordinator.waitForAll(30_000)
  }, 90_000)

  afterAll(async () => {
    await coordinator?.close()
    for (const g of generators) {
      // `ip netns exec` execs node: the pid is the generator's own
      const timer = setTimeout(() => { if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL') }, 5_000)
      await g.exited
      clearTimeout(timer)
    }
    await delay?.close()
    if (server !== undefined && server.exitCode === null) {
      server.kill('SIGTERM')
      await once(server, 'exit')
    }
    for (const name of created.namespaces) try { ip('netns', 'del', name) } catch {}
    for (const veth of created.veths) try { ip('link', 'del', veth) } catch {}
    rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  const plan = (round: number): RoundPlan => ({
    scenario: SCENARIO,
    transport: 'ws',
    round,
    order: round,
    workers: GENERATORS,
    target: serverUrl,
    network: NETWORK_PROFILES.loopback,
    remote: coordinator as Coordinator,
  })

  it('adds every generator\'s counters and histograms, and states each clock offset within its bound', async () => {
    const raw = await runRound(plan(1))
    const result = buildRoundResult(raw)
    expect(raw.reports.map((r) => [r.worker, r.clients])).toEqual([[0, 10], [1, 10], [2, 10]])

    // merged counters are the exact sum of the generators' counters, key by key
    const keys = Object.keys(result.counters) as Array<keyof DeliveryCounters>
    for (const key of keys) expect(result.counters[key]).toBe(raw.reports.reduce((n, r) => n + (r.counters[key] ?? 0), 0))
    expect(result.counters).toEqual(sumCounters(raw.reports.map((r) => r.counters)))
    expect(result.counters.received).toBeGreaterThan(0)

    // merged p99 is the p99 of one histogram holding every generator's samples
    const all = createHistogram()
    for (const r of raw.reports) all.add(decodeHistogram(r.histograms.latency))
    expect(result.latency.count).toBe(all.totalCount)
    expect(result.latency.p99Us).toBe(all.getValueAtPercentile(99))
    expect(result.latency.p50Us).toBe(all.getValueAtPercentile(50))

    // one kernel, one CLOCK_MONOTONIC: the true offset is 0, and every estimate must hold it within its bound
    const clocks = result.clocks ?? []
    expect(clocks.map((c) => c.worker)).toEqual([0, 1, 2])
    for (const c of clocks) expect(Math.abs(c.offsetUs)).toBeLessThanOrEqual(c.boundUs)
    const delayed = clocks[DELAYED] as { offsetUs: number, boundUs: number }
    // the delayed path's round trip is at least the delay, so its bound is at least half of it
    expect(delayed.boundUs).toBeGreaterThanOrEqual(DELAY_MS * 1000 / 2)
    expect(result.invalidReasons.filter((r) => r.includes('disconnected'))).toEqual([])

    process.stderr.write(`remote-loadgens e2e round 1: ${result.status}${result.invalidReasons.length > 0 ? ` (${result.invalidReasons.join('; ')})` : ''}\n` +
      raw.reports.map((r) => `  generator ${r.worker} (${nsAddr(r.worker)}): ${r.clients} clients, received ${r.counters.received}, lost ${r.counters.lost}, ` +
        `p99 ${decodeHistogram(r.histograms.latency).getValueAtPercentile(99)} µs, clock offset ${r.clock?.offsetUs ?? '?'} µs ± ${r.clock?.boundUs ?? '?'} µs\n`).join('') +
      `  merged: received ${result.counters.received}, expected ${result.counters.expected}, lost ${result.counters.lost}, ` +
      `p50 ${result.latency.p50Us} µs, p99 ${result.latency.p99Us} µs (one histogram of all samples: p99 ${all.getValueAtPercentile(99)} µs)\n`)
  }, 90_000)

  it('makes the round INVALID, naming the generator, when one is killed mid-round; the others report', async () => {
    const victim = generators[1] as Generator
    const raw = await runRound(plan(2), {
      // the run is over, nothing is reconciled yet: the generator vanishes before its report
      runEnded: () => { victim.child.kill('SIGKILL') },
    })
    const result = buildRoundResult(raw)
    expect(raw.lostLoadgens).toEqual([1])
    expect(result.status).toBe('invalid')
    expect(result.invalidReasons[0]).toBe('load generator 1 disconnected mid-round: its clients\' deliveries are missing')
    expect(result.invalidReasons).toContain('20 of 30 clients reported')
    expect(raw.reports.map((r) => r.worker)).toEqual([0, 2])
    expect(await victim.exited).toBe(null)
    expect(victim.child.signalCode).toBe('SIGKILL')
    process.stderr.write(`remote-loadgens e2e round 2: ${result.status}: ${result.invalidReasons.join('; ')}\n`)

    // the survivors are still connected and exit 0 when the coordinator ends the run
    await coordinator?.close()
    expect(await (generators[0] as Generator).exited).toBe(0)
    expect(await (generators[2] as Generator).exited).toBe(0)
  }, 90_000)
})

/** Waits for a line of `child`'s stderr matching `pattern` and returns its first group. */
async function lineMatch (child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  let text = ''
  child.stderr?.setEncoding('utf8')
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no match for ${String(pattern)} within ${timeoutMs} ms: ${text}`)), timeoutMs)
    child.stderr?.on('data', (chunk: string) => {
      text += chunk
      const m = pattern.exec(text)
      if (m?.[1] !== undefined) { clearTimeout(timer); resolve(m[1]) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${String(code)} before ${String(pattern)}: ${text}`)) })
  })
}
