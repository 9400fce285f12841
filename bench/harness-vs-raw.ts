/**
 * npm run bench:harness — is the harness what is measured? Side by side, in one run, each for a fixed
 * window: (a) the suite's ws path (servers/main.ts + the session and ws adapter) against a bare `ws`
 * server and client sending the same envelopes; (b) the suite's SSE path against a bare node:http SSE
 * server read with the same parser; (c) the suite's poll client against autocannon on the same /poll
 * endpoint. Servers and clients are separate processes. Repetitions alternate which side goes first;
 * the table shows medians and suite/raw. Goal: suite ≥ 90 % of raw. Exit 1 when a pair misses it.
 * ws and SSE are open loop (the same schedule on both sides) at a high rate both can sustain: far above
 * it both sides' write queues grow until throughput collapses, which compares backlogs, not harnesses;
 * CPU per message (server + client) is the figure that shows the harness's cost at any rate.
 * (d) The latency pair: the suite's ws and SSE delivery latency at a low rate (p50 / p99 from each
 * message's schedule, as the suite reports it) against the raw pairs' latency from their own send time
 * (the one-hop floor: no timer, no framework). Goal: the suite's p50 within 0.3 ms of the raw floor.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { RunStarted, ServerToRunner } from '../core/control.ts'
import { resolveScenario, type ScenarioConfig } from '../core/config.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { forkChild } from '../runner/children.ts'
import { ControlClient } from '../runner/control-client.ts'
import type { FromHarnessClient, HarnessJob, HarnessLatency } from './harness-client.ts'

/** One comparison: the suite's side against a raw side, on one transport. */
interface Pair {
  readonly name: string
  readonly transport: HarnessJob['transport']
  readonly raw: 'raw' | 'autocannon'
  readonly unit: 'msg/s' | 'req/s'
  /** Messages per second the server publishes per stream (0: nothing is published, the clients poll an idle feed). */
  readonly ratePerSec: number
  readonly clients: number
}

/** What one side achieved in one window. */
interface Sample {
  readonly latency: HarnessLatency
  readonly perSec: number
  /** CPU (user + system) of the server and client processes in the window, per delivered message or answered request, µs. */
  readonly cpuUsPerItem: number
  /** The server's part of cpuUsPerItem, µs (the rest is the client's). */
  readonly serverCpuUsPerItem: number
}

const GOAL = 0.9
const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
const START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 3_000

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    'window-ms': { type: 'string', default: '2000' },
    'warmup-ms': { type: 'string', default: '1000' },
    // per stream, msg/s, × 4 clients: high, but below where both sides' write queues start to collapse on 2 cores
    'ws-rate': { type: 'string', default: '25000' },
    'sse-rate': { type: 'string', default: '12500' },
    only: { type: 'string', default: 'ws,sse,poll,latency' },
    // per stream, msg/s, × 4 clients: a low, ticker-like rate where the timer, not throughput, decides latency
    'latency-rate': { type: 'string', default: '200' },
  },
})
const reps = Math.max(3, Number(values.reps))
const windowMs = Number(values['window-ms'])
const warmupMs = Number(values['warmup-ms'])
const only = new Set(values.only.split(','))

const PAIRS: readonly Pair[] = ([
  { name: 'ws: suite vs raw ws', transport: 'ws', raw: 'raw', unit: 'msg/s', ratePerSec: Number(values['ws-rate']), clients: 4 },
  { name: 'sse: suite vs raw node:http', transport: 'sse', raw: 'raw', unit: 'msg/s', ratePerSec: Number(values['sse-rate']), clients: 4 },
  { name: 'poll: suite client vs autocannon', transport: 'poll', raw: 'autocannon', unit: 'req/s', ratePerSec: 0, clients: 8 },
] as const).filter((p) => only.has(p.transport))

const LATENCY_GOAL_US = 300
const LATENCY_PAIRS: readonly Pair[] = only.has('latency')
  ? (['ws', 'sse'] as const).map((transport) => ({ name: `${transport} latency: suite vs raw`, transport, raw: 'raw', unit: 'msg/s', ratePerSec: Number(values['latency-rate']), clients: 4 }))
  : []

function scenarioOf (pair: Pair): ScenarioConfig {
  return resolveScenario({
    name: 'harness-vs-raw',
    pattern: 'broadcast',
    clients: pair.clients,
    ratePerSec: Math.max(1, pair.ratePerSec),
    payloadBytes: 128,
    warmupMs,
    durationMs: windowMs,
    // above capacity on purpose: a backlog must queue, not cut the connection (the raw server has no cap)
    sendBufferCapBytes: 512 * 1024 * 1024,
    transports: { ws: { heartbeatMs: 600_000 }, sse: { heartbeatMs: 600_000 } },
  })
}

/** CPU time (user + system) a process has used so far, µs, from /proc (Linux). */
function cpuUsOf (pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // after "pid (comm) ": state is field 3, utime 14 and stime 15 (proc(5))
  return (Number(fields[11]) + Number(fields[12])) * 1e6 / CLOCK_TICKS_PER_SEC
}

/** Runs one side of one pair once: fresh server and client processes, one window. */
async function measure (pair: Pair, side: 'suite' | 'raw' | 'autocannon'): Promise<Sample> {
  const config = scenarioOf(pair)
  const isRawServer = side === 'raw'
  const server = isRawServer
    ? forkChild<ServerToRunner>('bench/raw-server.ts', ['--transport', pair.transport, '--rate', String(pair.ratePerSec), '--payload', String(config.payloadBytes)], `raw ${pair.transport} server`)
    : forkChild<ServerToRunner>('servers/main.ts', ['--scenario-json', JSON.stringify(config), '--transport', pair.transport, '--port', '0', '--host', '127.0.0.1', '--idle'], `suite ${pair.transport} server`)
  const client = forkChild<FromHarnessClient>('bench/harness-client.ts', [], `${side} ${pair.transport} client`)
  try {
    const { url } = await server.next((m): m is Extract<ServerToRunner, { type: 'listening' }> => m.type === 'listening', START_TIMEOUT_MS, 'listening')
    const job: HarnessJob = { side, transport: pair.transport, baseUrl: url, config, warmupMs, windowMs }
    client.send({ type: 'job', job })
    await client.next((m): m is Extract<FromHarnessClient, { type: 'connected' }> => m.type === 'connected', START_TIMEOUT_MS, 'connected')
    const control = new ControlClient(url)
    const started: RunStarted = pair.ratePerSec > 0
      ? await control.run(warmupMs + windowMs + 500)
      : { epoch: (await control.info()).epoch, t0Us: nowUs() }
    client.send({ type: 'start', t0Us: started.t0Us, epoch: started.epoch })
    const pids = [server.process.pid, client.process.pid]
    await sleep((started.t0Us - nowUs()) / 1000 + warmupMs)
    const cpuStartUs = pids.map(cpuUsOf)
    await sleep(windowMs)
    const [serverCpuUs = Number.NaN, clientCpuUs = Number.NaN] = pids.map((pid, i) => cpuUsOf(pid) - (cpuStartUs[i] as number))
    const result = await client.next((m): m is Extract<FromHarnessClient, { type: 'result' }> => m.type === 'result', warmupMs + windowMs + START_TIMEOUT_MS, 'result')
    const items = Math.max(1, result.count)
    return { perSec: result.count / (result.windowMs / 1000), cpuUsPerItem: (serverCpuUs + clientCpuUs) / items, serverCpuUsPerItem: serverCpuUs / items, latency: result.latency }
  } finally {
    await Promise.all([client.stop('SIGTERM', STOP_GRACE_MS), server.stop('SIGTERM', STOP_GRACE_MS)])
  }
}

function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main (): Promise<void> {
  const startedMs = performance.now()
  const rows: string[][] = []
  let isGoalMissed = false
  for (const pair of PAIRS) {
    const suite: Sample[] = []
    const raw: Sample[] = []
    for (let rep = 0; rep < reps; rep++) {
      // alternate which side goes first, so drift and warm caches do not favour one side
      const order = rep % 2 === 0 ? (['suite', pair.raw] as const) : ([pair.raw, 'suite'] as const)
      for (const side of order) {
        const sample = await measure(pair, side)
        ;(side === 'suite' ? suite : raw).push(sample)
        process.stderr.write(`  ${pair.name}, rep ${rep + 1}, ${side}: ${fmt(sample.perSec)} ${pair.unit}, ${sample.cpuUsPerItem.toFixed(2)} CPU µs each ` +
          `(server ${sample.serverCpuUsPerItem.toFixed(2)} + client ${(sample.cpuUsPerItem - sample.serverCpuUsPerItem).toFixed(2)})\n`)
      }
    }
    const rate = { suite: median(suite.map((s) => s.perSec)), raw: median(raw.map((s) => s.perSec)) }
    const cpu = { suite: median(suite.map((s) => s.cpuUsPerItem)), raw: median(raw.map((s) => s.cpuUsPerItem)) }
    const ratio = rate.suite / rate.raw
    const offered = pair.ratePerSec * pair.clients
    if (ratio < GOAL) isGoalMissed = true
    rows.push([pair.name, offered === 0 ? 'closed loop, as fast as answered' : `${fmt(offered)} ${pair.unit}`,
      `${fmt(rate.suite)} ${pair.unit}`, `${fmt(rate.raw)} ${pair.unit}`, `${(100 * ratio).toFixed(1)} %`,
      suite.map((s, i) => `${(100 * s.perSec / (raw[i] as Sample).perSec).toFixed(0)}%`).join(' '),
      `${cpu.suite.toFixed(2)} / ${cpu.raw.toFixed(2)} µs`, `${(100 * cpu.raw / cpu.suite).toFixed(0)} %`,
      ratio >= GOAL ? 'ok (≥ 90 %)' : 'BELOW GOAL'])
  }
  const latencyRows: string[][] = []
  for (const pair of LATENCY_PAIRS) {
    const suite: Sample[] = []
    const raw: Sample[] = []
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? (['suite', 'raw'] as const) : (['raw', 'suite'] as const)
      for (const side of order) {
        const sample = await measure(pair, side)
        ;(side === 'suite' ? suite : raw).push(sample)
        const l = sample.latency
        process.stderr.write(`  ${pair.name}, rep ${rep + 1}, ${side}: from schedule p50 ${l.fromSched.p50Us} µs p99 ${l.fromSched.p99Us} µs; from send p50 ${l.fromSend.p50Us} µs p99 ${l.fromSend.p99Us} µs (${l.fromSched.count} messages)\n`)
      }
    }
    // the suite is judged as it reports (from the schedule); the raw pair's floor is its transport alone (from its send)
    const suiteP50 = median(suite.map((s) => s.latency.fromSched.p50Us))
    const suiteP99 = median(suite.map((s) => s.latency.fromSched.p99Us))
    const rawP50 = median(raw.map((s) => s.latency.fromSend.p50Us))
    const rawP99 = median(raw.map((s) => s.latency.fromSend.p99Us))
    const rawSchedP50 = median(raw.map((s) => s.latency.fromSched.p50Us))
    const diff = suiteP50 - rawP50
    if (diff > LATENCY_GOAL_US) isGoalMissed = true
    latencyRows.push([pair.name, `${fmt(pair.ratePerSec * pair.clients)} msg/s`, `${fmt(suiteP50)} / ${fmt(suiteP99)} µs`, `${fmt(rawP50)} / ${fmt(rawP99)} µs`,
      `${fmt(rawSchedP50)} µs`, `${diff >= 0 ? '+' : ''}${fmt(diff)} µs`, diff <= LATENCY_GOAL_US ? 'ok (≤ 0.3 ms)' : 'ABOVE GOAL'])
  }
  const header = ['pair', 'offered', 'suite (median)', 'raw (median)', 'suite/raw', 'per rep', 'CPU per item suite / raw', 'raw/suite CPU', 'verdict']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ')
  console.log(`harness vs raw: ${reps} alternating repetitions per side, ${warmupMs} ms warm-up + ${windowMs} ms window each, 128 B payloads, fresh server and client processes every time`)
  console.log('CPU per item = server + client process CPU (user + system, /proc) in the window ÷ messages delivered or requests answered in it')
  if (rows.length > 0) console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'))
  if (latencyRows.length > 0) {
    const lh = ['latency pair', 'offered', 'suite p50 / p99 (from schedule)', 'raw p50 / p99 (from send: the floor)', 'raw p50 from its own setTimeout schedule', 'suite p50 − floor', 'verdict']
    const lw = lh.map((h, i) => Math.max(h.length, ...latencyRows.map((r) => (r[i] as string).length)))
    const ll = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(lw[i] as number)).join('  ')
    console.log('')
    console.log([ll(lh), ll(lw.map((w) => '-'.repeat(w))), ...latencyRows.map(ll)].join('\n'))
  }
  console.log(`total ${((performance.now() - startedMs) / 1000).toFixed(0)} s`)
  if (isGoalMissed) process.exitCode = 1
}

await main()
