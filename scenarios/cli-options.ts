import { parseArgs } from 'node:util'
import { errors } from './core/errors.ts'
import { isTransportName, TRANSPORT_NAMES, type TransportName } from './core/transports.ts'
import { DEFAULT_SCENARIOS } from './catalog.ts'
import { networkProfileOf, NETWORK_PROFILE_NAMES, type NetworkProfile } from './network-profiles.ts'

/** `npm run bench` options after parsing and checking; scenario overrides are applied by loadScenario. */
export interface BenchOptions {
  readonly scenarios: readonly string[]
  readonly transports: readonly TransportName[]
  readonly rounds: number
  readonly workers: number
  readonly quick: boolean
  readonly target: string | null
  readonly network: NetworkProfile
  readonly json: boolean
  readonly outDir: string
  readonly reportPath: string
  /** Scenario keys set from the command line (layered over the scenario: defaults < file < flags). */
  readonly overrides: Readonly<Record<string, unknown>>
  readonly help: boolean
}

/** Usage text of `npm run bench`. */
export const BENCH_USAGE = `Usage: npm run bench -- [options]

  --scenario LIST      built-in names or .json files, comma separated (default: ${DEFAULT_SCENARIOS.join(',')})
  --transport LIST     ${TRANSPORT_NAMES.join(',')} (default: all)
  --rounds N           rounds per scenario and transport, interleaved in random order (default: 3; --quick: 1)
  --duration TIME      measured window per round, e.g. 5s, 1500ms (default: the scenario's)
  --warmup TIME        warm-up before the window (default: the scenario's)
  --clients N          clients per scenario
  --rate N             messages per second (per stream; per client for chat and request-response)
  --payload BYTES      downstream payload size in bytes
  --write-policy P     per-tick | per-message (default: per-tick)
  --workers N          load-generator processes (default: 1, leaving a core for the server)
  --quick              CI-sized run: 1 round, 2 s windows
  --target URL         run the clients against a server started with npm run serve
  --network NAME       ${NETWORK_PROFILE_NAMES.join(' | ')}: delay and bandwidth added by a proxy (default: loopback)
  --json               print the result JSON on stdout
  --out DIR            where result files go (default: results)
  --report FILE        where the HTML report goes (default: report/index.html)
  --help               this text

Exit codes: 0 every round valid, 1 error, 2 bad usage, 3 the run finished but some round is INVALID.`

/** Parses `npm run bench` arguments; throws a coded error naming the option, the value and what is allowed. */
export function parseBenchArgs (argv: readonly string[]): BenchOptions {
  let parsed
  try {
    parsed = parseArgs({
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
        quick: { type: 'boolean', default: false },
        target: { type: 'string' },
        network: { type: 'string', default: 'loopback' },
        json: { type: 'boolean', default: false },
        out: { type: 'string', default: 'results' },
        report: { type: 'string', default: 'report/index.html' },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (cause) {
    throw new errors.BENCH_ERR_OPTION_INVALID('command line', (cause as Error).message, 'see npm run bench -- --help', { cause })
  }
  const v = parsed.values
  const quick = v.quick
  const transports = list(v.transport, TRANSPORT_NAMES.join(','))
  for (const t of transports) {
    if (!isTransportName(t)) throw new errors.BENCH_ERR_UNKNOWN_TRANSPORT(JSON.stringify(t), TRANSPORT_NAMES.join(', '))
  }
  const overrides: Record<string, unknown> = {}
  if (quick) Object.assign(overrides, { durationMs: 2_000, warmupMs: 500 })
  if (v.duration !== undefined) overrides.durationMs = parseDurationMs('--duration', v.duration)
  if (v.warmup !== undefined) overrides.warmupMs = parseDurationMs('--warmup', v.warmup)
  if (v.clients !== undefined) overrides.clients = parseNumber('--clients', v.clients, 'an integer >= 1')
  if (v.rate !== undefined) overrides.ratePerSec = parseNumber('--rate', v.rate, 'a number > 0')
  if (v.payload !== undefined) overrides.payloadBytes = parseNumber('--payload', v.payload, 'an integer >= 0 (bytes)')
  if (v['write-policy'] !== undefined) overrides.writePolicy = v['write-policy']
  return {
    scenarios: list(v.scenario, DEFAULT_SCENARIOS.join(',')),
    transports: transports as TransportName[],
    rounds: v.rounds === undefined ? (quick ? 1 : 3) : positiveInt('--rounds', v.rounds, 1000),
    workers: v.workers === undefined ? 1 : positiveInt('--workers', v.workers, 64),
    quick,
    target: v.target === undefined ? null : parseTarget(v.target),
    network: networkProfileOf(v.network),
    json: v.json,
    outDir: v.out,
    reportPath: v.report,
    overrides,
    help: v.help,
  }
}

/** Parses "5s", "1500ms", "2m" or a bare number of milliseconds. */
export function parseDurationMs (option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (m === null) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), 'a duration such as 500ms, 5s or 2m')
  const factor = m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1
  return Math.round(Number(m[1]) * factor)
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
