import { parseCommandLine } from '../core/command.ts'
import { CHROMIUM_PATH, CLIENT_KINDS, isClientKind, type ClientKind } from '../core/control.ts'
import { errors } from '../core/errors.ts'
import { parseInjectedDelayUs, TEST_MODE_ENV } from '../core/test-mode.ts'
import { isTransportName, TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { parseWireVariant, type WireVariant } from '../core/wire-variant.ts'
import { DEFAULT_SCENARIOS, GATE_SCENARIOS } from '../scenarios/catalog.ts'
import { DEFAULT_CAPACITY_MAX_TIME_MS } from './capacity.ts'
import { planCpuPinning, type CpuPinning } from './cpu-pinning.ts'
import { DEFAULT_MAP_MAX_TIME_MS, MAP_CLIENTS, MAP_MAX_DELIVERIES_PER_SEC, MAP_RATES_PER_SEC, parseMapAxis, QUICK_MAP_CLIENTS, QUICK_MAP_RATES_PER_SEC } from './map.ts'
import { networkProfileOf, NETWORK_PROFILE_NAMES, type NetworkProfile } from './network-profiles.ts'

/** `npm run bench` options after parsing and checking; scenario overrides are applied by loadScenario. */
export interface BenchOptions {
  readonly scenarios: readonly string[]
  readonly transports: readonly TransportName[]
  readonly rounds: number
  readonly workers: number
  readonly quick: boolean
  /** Named run size (--profile), or null. */
  readonly profile: BenchProfileName | null
  /** Test mode only (--inject-delay-us): delay the server adds to every published batch, µs; 0 = off. */
  readonly injectedDelayUs: number
  readonly target: string | null
  readonly network: NetworkProfile
  /** Cores of the server and the load generators (--server-cpus). */
  readonly cpus: CpuPinning
  /** Where the clients run: Node load-generator processes or pages of Debian's Chromium. */
  readonly clientsIn: ClientKind
  /** TLS (--tls, a certificate made at start-up) and the HTTP version of the HTTP transports (--http). */
  readonly variant: WireVariant
  /** Load generators on other hosts (--loadgens N --listen HOST:PORT), or null: forked on this host. */
  readonly remoteLoadgens: RemoteOptions | null
  readonly json: boolean
  readonly outDir: string
  readonly reportPath: string
  /** Scenario keys set from the command line (layered over the scenario: defaults < file < flags). */
  readonly overrides: Readonly<Record<string, unknown>>
  /** --capacity: search each transport's highest passing load instead of running rounds. */
  readonly capacity: boolean
  /** Wall-clock budget of a --capacity run, ms. */
  readonly maxTimeMs: number
  /** --map: the axes of the workload map, or null for a normal run. */
  readonly map: { readonly ratesPerSec: readonly number[], readonly clients: readonly number[] } | null
  readonly help: boolean
}

/** The coordinator's side of a run with remote load generators. */
export interface RemoteOptions {
  readonly loadgens: number
  readonly host: string
  readonly port: number
  /** How long to wait for all generators to connect before the first round, ms. */
  readonly waitMs: number
  /** FEEDBENCH_TOKEN: the secret every generator's hello must carry. */
  readonly token: string
}

/** Default --loadgen-wait: generators on a cluster are scheduled, pulled and started in this time. */
export const DEFAULT_LOADGEN_WAIT_MS = 60_000

/** Names accepted by --profile. */
export const BENCH_PROFILE_NAMES = ['ci'] as const

/** A named run size. */
export type BenchProfileName = typeof BENCH_PROFILE_NAMES[number]

/**
 * Run sizes by name. ci: enough valid rounds per side for the CI gate's rank test to separate a 10 %
 * change from this machine's noise (with 3 vs 3 the smallest p is 0.1 and nothing can be flagged), with
 * windows short enough that base and head both fit in one job: interleaved by npm run bench:ab, the
 * gate's scenarios and all transports, about 20 min for both sides on 2 cores (each round also pays
 * ~1 s of process start-up and connect, each one-round run ~2 s of its own start-up).
 */
export const BENCH_PROFILES: Readonly<Record<BenchProfileName, { readonly rounds: number, readonly durationMs: number, readonly warmupMs: number }>> = {
  // 24 rounds (pairs, compared pair by pair): with 12 and the gate's 5 % threshold, a server-CPU regression
  // across transports had to reach 15 % to be caught in 95 % of runs; with 24, 10 % (p50: 10 % with either;
  // with 6, 50 %). README, "What the gate can catch, measured"
  ci: { rounds: 24, durationMs: 1_000, warmupMs: 300 },
}

/** Scenarios a --capacity run searches by default: one raised by rate, one by connections. */
export const CAPACITY_SCENARIOS = ['ticker', 'fan-out-scale'] as const

/** Usage text of `npm run bench`. */
export const BENCH_USAGE = `Usage: npm run bench -- [options]

  --scenario LIST      built-in names or .json files, comma separated (default: ${DEFAULT_SCENARIOS.join(',')};
                       with --profile ci: ${GATE_SCENARIOS.join(',')})
  --transport LIST     ${TRANSPORT_NAMES.join(',')} (default: all)
  --rounds N           rounds per scenario and transport, interleaved in random order (default: 3; --quick: 1)
  --duration TIME      measured window per round, e.g. 5s, 1500ms (default: the scenario's)
  --warmup TIME        warm-up before the window (default: the scenario's)
  --clients N          clients per scenario
  --rate N             messages per second (per stream; per client for chat and request-response)
  --payload BYTES      downstream payload size in bytes
  --write-policy P     per-tick | per-message (default: per-tick)
  --workers N          load-generator processes (default: 1, leaving a core for the server)
  --server-cpus LIST   cores of the server, e.g. 0 or 0-1; the load generators share the others
                       (default: the first core the run may use; none: pin nothing)
  --quick              CI-sized run: 1 round, 2 s windows (after each scenario's own warm-up)
  --profile ci         regression-gate run: ${BENCH_PROFILES.ci.rounds} rounds, ${BENCH_PROFILES.ci.durationMs} ms windows after ${BENCH_PROFILES.ci.warmupMs} ms warm-up
                       (--rounds, --duration, --warmup still win)
  --inject-delay-us N  TEST MODE ONLY (${TEST_MODE_ENV}=1): the server delays every published batch
                       by N µs, to measure the gate against a known slowdown; refused otherwise
  --target URL         run the clients against a server started with npm run serve
  --network NAME       ${NETWORK_PROFILE_NAMES.join(' | ')}: delay and bandwidth added by a proxy (default: loopback)
  --slo-p99 TIME       latency target: delivery p99 at most TIME, e.g. 50ms, 2s (default: the scenario's slo.p99Ms)
  --capacity           per transport, raise the load (clients for fan-out-scale, the rate otherwise) ×2 per
                       step, then bisect, to the highest load that stays valid, delivers ≥ 99 %, loses nothing
                       and meets the SLO; every step is a real round (default scenarios: ${CAPACITY_SCENARIOS.join(',')})
  --max-time TIME      budget of a --capacity or --map run (default: ${DEFAULT_CAPACITY_MAX_TIME_MS / 60_000}m); a search or point that would overrun it stops and says so
  --map                the workload map: per transport, one real round per (connections, per-client rate), one stream
                       per client, polling every 1 s; server CPU, bytes/s and p99 against the rate on log axes, and
                       the crossovers two measured points bracket. Default ${MAP_RATES_PER_SEC.join(', ')} msg/s × ${MAP_CLIENTS.join(', ')}
                       connections (points above ${MAP_MAX_DELIVERIES_PER_SEC.toLocaleString('en-US')} deliveries/s are not run): 48 rounds, capped by a
                       ${DEFAULT_MAP_MAX_TIME_MS / 60_000}-minute budget (points that would overrun it are listed as not run);
                       --quick: ${QUICK_MAP_RATES_PER_SEC.join(', ')} msg/s × ${QUICK_MAP_CLIENTS.join(', ')} connections, 2 s windows (12 rounds)
  --map-rates LIST     per-client rates of the map, msg/s, e.g. 0.01,1,100 (only with --map)
  --map-clients LIST   connection counts of the map, e.g. 100,1000 (only with --map)
  --clients-in KIND    ${CLIENT_KINDS.join(' | ')}: clients in Node processes, or in pages of Debian's Chromium
                       (${CHROMIUM_PATH}; the browser's own WebSocket, EventSource and fetch) (default: node)
  --tls                HTTPS / WSS with a certificate made at start-up (openssl), trusted by the clients only
  --http VERSION       1.1 | 2 (default: 1.1); 2 is h2 over TLS (needs --tls) for sse, long-poll and poll,
                       one connection per client; ws stays on HTTP/1.1 and is shown as n/a
  --loadgens N         coordinate N load generators on other hosts (npm run loadgen) instead of forking them;
                       needs --listen, --target and FEEDBENCH_TOKEN (the secret the generators must present)
  --listen HOST:PORT   where the coordinator accepts the generators (with --loadgens)
  --loadgen-wait TIME  how long to wait for all N generators before the first round (default: ${DEFAULT_LOADGEN_WAIT_MS / 1000}s)
  --json               print the result JSON on stdout
  --out DIR            where result files go (default: results)
  --report FILE        where the HTML report goes (default: report/index.html)
  --help               this text

Exit codes: 0 every round valid, 1 error, 2 bad usage, 3 the run finished but some round is INVALID.`

/** Parses `npm run bench` arguments; throws a coded error naming the option, the value and what is allowed. */
export function parseBenchArgs (argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const parsed = parseCommandLine({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      scenario: { type: 'string' },
      transport: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      payload: { type: 'string' },
      'write-policy': { type: 'string' },
      workers: { type: 'string' },
      'server-cpus': { type: 'string' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'inject-delay-us': { type: 'string' },
      target: { type: 'string' },
      network: { type: 'string', default: 'loopback' },
      'slo-p99': { type: 'string' },
      capacity: { type: 'boolean', default: false },
      'max-time': { type: 'string' },
      'clients-in': { type: 'string', default: 'node' },
      tls: { type: 'boolean', default: false },
      http: { type: 'string' },
      loadgens: { type: 'string' },
      listen: { type: 'string' },
      'loadgen-wait': { type: 'string' },
      map: { type: 'boolean', default: false },
      'map-rates': { type: 'string' },
      'map-clients': { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string', default: 'results' },
      report: { type: 'string', default: 'report/index.html' },
      help: { type: 'boolean', default: false },
    },
  }, 'see npm run bench -- --help')
  const v = parsed.values
  const quick = v.quick
  const profile = v.profile === undefined ? null : parseProfile(v.profile)
  if (profile !== null && quick) throw new errors.BENCH_ERR_OPTION_INVALID('--profile', JSON.stringify(v.profile), 'either --profile or --quick, not both')
  const injectedDelayUs = v['inject-delay-us'] === undefined ? 0 : parseInjectedDelayUs('--inject-delay-us', v['inject-delay-us'], env)
  if (injectedDelayUs > 0 && v.target !== undefined) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--inject-delay-us', JSON.stringify(v['inject-delay-us']), 'only with servers the runner starts, not with --target')
  }
  const clientsIn = v['clients-in']
  if (!isClientKind(clientsIn)) throw new errors.BENCH_ERR_OPTION_INVALID('--clients-in', JSON.stringify(clientsIn), CLIENT_KINDS.join(', '))
  const transports = list(v.transport, TRANSPORT_NAMES.join(','))
  for (const t of transports) {
    if (!isTransportName(t)) throw new errors.BENCH_ERR_UNKNOWN_TRANSPORT(JSON.stringify(t), TRANSPORT_NAMES.join(', '))
  }
  const variant = parseWireVariant(v.tls, v.http, transports as TransportName[])
  if (v.target !== undefined && (variant.tls || variant.httpVersion !== '1.1')) {
    throw new errors.BENCH_ERR_OPTION_INVALID(variant.tls ? '--tls' : '--http', variant.tls ? 'true' : JSON.stringify(v.http),
      'only with servers the runner starts, not with --target (the runner makes the certificate the clients trust)')
  }
  const overrides: Record<string, unknown> = {}
  // the scenario's own warm-up stays: at 1,000 connections the first second still pays for JIT
  if (quick) Object.assign(overrides, { durationMs: 2_000 })
  if (profile !== null) Object.assign(overrides, { durationMs: BENCH_PROFILES[profile].durationMs, warmupMs: BENCH_PROFILES[profile].warmupMs })
  if (v.duration !== undefined) overrides.durationMs = parseDurationMs('--duration', v.duration)
  if (v.warmup !== undefined) overrides.warmupMs = parseDurationMs('--warmup', v.warmup)
  if (v.clients !== undefined) overrides.clients = parseNumber('--clients', v.clients, 'an integer >= 1')
  if (v.rate !== undefined) overrides.ratePerSec = parseNumber('--rate', v.rate, 'a number > 0')
  if (v.payload !== undefined) overrides.payloadBytes = parseNumber('--payload', v.payload, 'an integer >= 0 (bytes)')
  if (v['write-policy'] !== undefined) overrides.writePolicy = v['write-policy']
  if (v['slo-p99'] !== undefined) overrides.slo = { p99Ms: parsePositiveDurationMs('--slo-p99', v['slo-p99']) }
  if (v['max-time'] !== undefined && !v.capacity && !v.map) throw new errors.BENCH_ERR_OPTION_INVALID('--max-time', JSON.stringify(v['max-time']), 'only with --capacity or --map')
  const map = parseMapOptions(v, quick)
  const maxTimeMs = v['max-time'] === undefined ? (v.map ? DEFAULT_MAP_MAX_TIME_MS : DEFAULT_CAPACITY_MAX_TIME_MS) : parsePositiveDurationMs('--max-time', v['max-time'])
  const remote = parseRemote(v, env)
  return {
    scenarios: list(v.scenario, (v.capacity ? CAPACITY_SCENARIOS : profile !== null ? GATE_SCENARIOS : DEFAULT_SCENARIOS).join(',')),
    transports: transports as TransportName[],
    rounds: v.rounds === undefined ? (profile !== null ? BENCH_PROFILES[profile].rounds : quick ? 1 : 3) : positiveInt('--rounds', v.rounds, 1000),
    // a remote generator is one process per index: the clients are split over the N of them
    workers: remote !== null ? remote.loadgens : v.workers === undefined ? 1 : positiveInt('--workers', v.workers, 64),
    quick,
    profile,
    injectedDelayUs,
    target: v.target === undefined ? null : parseTarget(v.target),
    network: networkProfileOf(v.network),
    cpus: planCpuPinning(v['server-cpus'], v.target === undefined ? null : parseTarget(v.target)),
    clientsIn,
    variant,
    remoteLoadgens: remote,
    json: v.json,
    outDir: v.out,
    reportPath: v.report,
    overrides,
    capacity: v.capacity,
    maxTimeMs,
    map,
    help: v.help,
  }
}

/** The --map axes, or null without --map; refuses what a map cannot run, before any load. */
function parseMapOptions (v: { map: boolean, capacity: boolean, target?: string, scenario?: string, clients?: string, rate?: string, 'map-rates'?: string, 'map-clients'?: string }, quick: boolean): BenchOptions['map'] {
  for (const option of ['map-rates', 'map-clients'] as const) {
    if (v[option] !== undefined && !v.map) throw new errors.BENCH_ERR_OPTION_INVALID(`--${option}`, JSON.stringify(v[option]), 'only with --map')
  }
  if (!v.map) return null
  if (v.capacity) throw new errors.BENCH_ERR_OPTION_INVALID('--map', 'with --capacity', 'either --map or --capacity, not both')
  for (const [option, value, instead] of [['scenario', v.scenario, 'the map runs its own workload (one stream per client)'],
    ['clients', v.clients, 'use --map-clients'], ['rate', v.rate, 'use --map-rates'],
    ['target', v.target, 'every point starts its own server']] as const) {
    if (value !== undefined) throw new errors.BENCH_ERR_OPTION_INVALID(`--${option}`, JSON.stringify(value), `not with --map: ${instead}`)
  }
  return {
    ratesPerSec: v['map-rates'] === undefined ? (quick ? QUICK_MAP_RATES_PER_SEC : MAP_RATES_PER_SEC) : parseMapAxis('--map-rates', v['map-rates']),
    clients: v['map-clients'] === undefined ? (quick ? QUICK_MAP_CLIENTS : MAP_CLIENTS) : parseMapAxis('--map-clients', v['map-clients']),
  }
}

/** parseDurationMs, refusing zero. */
function parsePositiveDurationMs (option: string, text: string): number {
  const ms = parseDurationMs(option, text)
  if (!(ms > 0)) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), 'a duration above zero such as 100ms or 2s')
  return ms
}

/** --loadgens and the options that go with it; null without --loadgens. */
function parseRemote (v: { loadgens?: string, listen?: string, 'loadgen-wait'?: string, target?: string, workers?: string, network?: string }, env: NodeJS.ProcessEnv): RemoteOptions | null {
  if (v.loadgens === undefined) {
    for (const option of ['listen', 'loadgen-wait'] as const) {
      if (v[option] !== undefined) throw new errors.BENCH_ERR_OPTION_INVALID(`--${option}`, JSON.stringify(v[option]), 'only with --loadgens N')
    }
    return null
  }
  const loadgens = positiveInt('--loadgens', v.loadgens, 1000)
  // remote generators cannot reach a server the runner starts on its loopback, nor its proxy
  if (v.target === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('--loadgens', JSON.stringify(v.loadgens), 'with --target URL (a server started with npm run serve that the generators reach)')
  if (v.workers !== undefined) throw new errors.BENCH_ERR_OPTION_INVALID('--workers', JSON.stringify(v.workers), 'not with --loadgens (each remote generator is one process)')
  if (v.network !== undefined && v.network !== 'loopback') throw new errors.BENCH_ERR_OPTION_INVALID('--network', JSON.stringify(v.network), 'loopback with --loadgens (shape the real network instead)')
  const listen = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(v.listen ?? '')
  const port = Number(listen?.[2])
  if (listen === null || !(port >= 0 && port <= 65535)) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--listen', JSON.stringify(v.listen ?? null), 'HOST:PORT where the generators connect, e.g. 0.0.0.0:9000 (with --loadgens)')
  }
  const token = env.FEEDBENCH_TOKEN ?? ''
  if (token === '') throw new errors.BENCH_ERR_OPTION_INVALID('FEEDBENCH_TOKEN', '(not set)', 'a shared secret in the environment of the coordinator and every generator, with --loadgens')
  return {
    loadgens,
    host: (listen[1] as string).replace(/^\[|\]$/g, ''),
    port,
    waitMs: v['loadgen-wait'] === undefined ? DEFAULT_LOADGEN_WAIT_MS : parseDurationMs('--loadgen-wait', v['loadgen-wait']),
    token,
  }
}

/** Parses "5s", "1500ms", "2m" or a bare number of milliseconds. */
export function parseDurationMs (option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (m === null) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), 'a duration such as 500ms, 5s or 2m')
  const factor = m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1
  return Math.round(Number(m[1]) * factor)
}

function parseProfile (text: string): BenchProfileName {
  const found = BENCH_PROFILE_NAMES.find((p) => p === text)
  if (found === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('--profile', JSON.stringify(text), BENCH_PROFILE_NAMES.join(', '))
  return found
}

function parseNumber (option: string, text: string, allowed: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), allowed)
  return n
}

function positiveInt (option: string, text: string, max: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), `an integer from 1 to ${max}`)
  return n
}

function list (text: string | undefined, fallback: string): string[] {
  return (text ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function parseTarget (text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new errors.BENCH_ERR_OPTION_INVALID('--target', JSON.stringify(text), 'an http:// URL such as http://127.0.0.1:8080')
  }
  if (url.protocol !== 'http:') throw new errors.BENCH_ERR_OPTION_INVALID('--target', JSON.stringify(text), 'an http:// URL')
  return url.origin
}
