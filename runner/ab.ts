/**
 * Base and head benchmarked in one job, interleaved round by round: `npm run bench` runs one round in
 * each checkout in turn, in ABBA order (A B, B A, A B, …: each side goes first equally often, so a slow
 * drift of the machine lands on both sides alike), and the one-round runs of each side are merged into
 * one result per side for `npm run compare`. Each one-round run starts its own servers and load
 * generators, exactly like a round of a normal run.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve as resolvePath } from 'node:path'
import { performance } from 'node:perf_hooks'
import { EXIT } from '../core/command.ts'
import { errors } from '../core/errors.ts'
import { mergeRuns } from '../results/merge.ts'
import type { RunResult } from '../results/schema.ts'
import { LATEST_FILE, readResult, writeResult } from '../results/store.ts'

/** The two sides, in the order of the letters A and B. */
export const SIDES = ['base', 'head'] as const

/** One side of the comparison. */
export type Side = typeof SIDES[number]

/** Exit codes of `npm run bench` after which its result is still usable (invalid: some round INVALID, listed in it). */
const BENCH_USABLE = new Set<number>([EXIT.ok, EXIT.invalid])

// bench options the driver sets itself for every one-round run
const OWN_BENCH_OPTIONS = ['--rounds', '--out', '--report', '--json']

/** What runInterleaved needs. */
export interface InterleaveOptions {
  /** Checkout directory of each side (each with its own node_modules). */
  readonly dirs: Readonly<Record<Side, string>>
  /** `npm run bench` options for both sides (without --rounds, --out, --report, --json). */
  readonly benchArgs: readonly string[]
  /** Extra options for one side only (gate-power: the head's injected slowdown). */
  readonly sideArgs?: Readonly<Partial<Record<Side, readonly string[]>>>
  /** Extra environment for the bench processes. */
  readonly env?: NodeJS.ProcessEnv
  /** Rounds per side (one-round runs per side). */
  readonly rounds: number
  readonly outDir: string
  /** Called after each one-round run. */
  readonly progress?: (line: string) => void
}

/** What runInterleaved produced: one merged result file per side, and whether every round was valid. */
export interface InterleaveResult {
  readonly files: Readonly<Record<Side, string>>
  readonly order: string
  readonly valid: boolean
}

/** ABBA order for `rounds` rounds per side: pair k runs base first when k is even, head first when odd. */
export function abbaOrder (rounds: number): Side[] {
  return Array.from({ length: rounds }, (_, k): Side[] => k % 2 === 0 ? ['base', 'head'] : ['head', 'base']).flat()
}

/**
 * Throws BENCH_ERR_OPTION_INVALID when an option the driver sets itself is among the bench options,
 * or when a side's directory has no feedbench checkout with installed dependencies.
 */
export function checkInterleaveOptions (dirs: Readonly<Record<Side, string>>, benchArgs: readonly string[]): void {
  for (const arg of benchArgs) {
    const name = arg.split('=')[0] ?? arg
    if (OWN_BENCH_OPTIONS.includes(name)) {
      throw new errors.BENCH_ERR_OPTION_INVALID(name, JSON.stringify(arg), `any npm run bench option except ${OWN_BENCH_OPTIONS.join(', ')} (the driver sets them per one-round run; give rounds per side as --rounds to npm run bench:ab)`)
    }
  }
  for (const side of SIDES) {
    const dir = dirs[side]
    const pkg = join(dir, 'package.json')
    let scripts: Record<string, string> = {}
    try {
      scripts = (JSON.parse(readFileSync(pkg, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {}
    } catch {
      throw new errors.BENCH_ERR_OPTION_INVALID(`--${side}`, JSON.stringify(dir), 'a feedbench checkout (no readable package.json there)')
    }
    if (scripts.bench === undefined) throw new errors.BENCH_ERR_OPTION_INVALID(`--${side}`, JSON.stringify(dir), 'a feedbench checkout (its package.json has no "bench" script)')
    if (!existsSync(join(dir, 'node_modules'))) throw new errors.BENCH_ERR_OPTION_INVALID(`--${side}`, JSON.stringify(dir), 'a checkout with installed dependencies (run npm ci there first)')
  }
}

/** Runs `npm run bench` in dir and resolves with its exit code and the tail of its stderr. */
function benchOnce (dir: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null, tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'bench', '--', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let tail = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => { tail = (tail + chunk).slice(-4000) })
    child.once('error', reject)
    child.once('close', (code) => { resolve({ code, tail }) })
  })
}

/**
 * Runs `rounds` one-round benches per side in ABBA order and merges each side's runs into
 * `<outDir>/<side>/latest.json` (and `<outDir>/<side>/<runId>.json`); the one-round runs stay in
 * `<outDir>/<side>/runs/<k>/`. Throws when a bench refuses its options or fails (its last error line).
 */
export async function runInterleaved (options: InterleaveOptions): Promise<InterleaveResult> {
  const sequence = abbaOrder(options.rounds)
  const order = sequence.map((s) => s === 'base' ? 'A' : 'B').join('')
  const runs: Record<Side, RunResult[]> = { base: [], head: [] }
  const t0 = performance.now()
  for (const [i, side] of sequence.entries()) {
    const k = runs[side].length + 1
    const dir = join(options.outDir, side, 'runs', String(k))
    const args = [...options.benchArgs, ...(options.sideArgs?.[side] ?? []), '--rounds', '1', '--out', dir, '--report', join(dir, 'report.html')]
    const started = performance.now()
    const { code, tail } = await benchOnce(options.dirs[side], args, options.env ?? {})
    if (code === null || !BENCH_USABLE.has(code)) {
      const last = tail.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ')
      throw new errors.BENCH_ERR_CHILD_FAILED(`npm run bench in ${side} (${options.dirs[side]}, run ${k} of ${options.rounds})`, `exit ${String(code)}: ${last}`)
    }
    const run = readResult(join(dir, LATEST_FILE))
    runs[side].push(run)
    const invalid = run.rounds.filter((r) => r.status === 'invalid').length
    const reruns = run.rounds.filter((r) => r.status === 'rerun').length
    options.progress?.(`[${i + 1}/${sequence.length}] ${side} run ${k}: ${run.rounds.length} rounds, ${invalid === 0 ? 'all valid' : `${invalid} INVALID`}${reruns === 0 ? '' : ` (${reruns} run once more)`} ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s, ${((performance.now() - t0) / 1000).toFixed(0)} s in all)`)
  }
  const files = {} as Record<Side, string>
  let valid = true
  for (const side of SIDES) {
    const sideRuns = runs[side]
    const merged = mergeRuns(sideRuns, `${sideRuns[0]?.runId ?? 'run'}-${side}-x${sideRuns.length}`, { side, order })
    valid &&= merged.valid
    files[side] = writeResult(join(options.outDir, side), merged)[1]
  }
  return { files, order, valid }
}

/** Usage text of `npm run bench:ab`. */
export const AB_USAGE = `Usage: npm run bench:ab -- --base DIR [--head DIR] [--rounds N] [--out DIR] [npm run bench options]

Benchmarks two checkouts on this machine, interleaved round by round in ABBA order (A = base, B = head),
then writes one result per side for npm run compare:
  <out>/base/latest.json  <out>/head/latest.json   (each one-round run is kept under <out>/<side>/runs/)

  --base DIR     checkout of the base (with node_modules: npm ci there first)
  --head DIR     checkout of the head (default: this one)
  --rounds N     rounds per side (default: the --profile's rounds, else 5; the rank test needs 4 or more)
  --out DIR      where results go (default: results/ab)
  any other option goes to npm run bench in both checkouts (e.g. --profile ci --scenario ticker),
  except --rounds, --out, --report and --json, which the driver sets per one-round run.

Exit codes: 0 every round valid, 1 error, 2 bad usage, 3 finished but some round is INVALID.`

/** Parsed `npm run bench:ab` arguments. */
export interface AbArgs {
  readonly dirs: Record<Side, string>
  readonly rounds: number | null
  readonly outDir: string
  readonly benchArgs: string[]
  readonly help: boolean
}

/** Splits `npm run bench:ab` arguments into its own options and the ones passed to npm run bench. */
export function parseAbArgs (argv: readonly string[], cwd: string): AbArgs {
  const own: Record<string, string> = {}
  const benchArgs: string[] = []
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--help') { help = true; continue }
    const [name, inline] = arg.split(/=(.*)/s) as [string, string | undefined]
    if (['--base', '--head', '--out', '--rounds'].includes(name)) {
      const value = inline ?? argv[++i]
      if (value === undefined || value.startsWith('--')) throw new errors.BENCH_ERR_OPTION_INVALID(name, 'missing', name === '--rounds' ? 'an integer from 1 to 100' : 'a directory')
      own[name] = value
      continue
    }
    benchArgs.push(arg)
  }
  let rounds: number | null = null
  if (own['--rounds'] !== undefined) {
    rounds = Number(own['--rounds'])
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new errors.BENCH_ERR_OPTION_INVALID('--rounds', JSON.stringify(own['--rounds']), 'an integer from 1 to 100')
  }
  if (!help && own['--base'] === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('--base', 'missing', 'the base checkout directory')
  return {
    dirs: { base: resolvePath(cwd, own['--base'] ?? '.'), head: resolvePath(cwd, own['--head'] ?? '.') },
    rounds,
    outDir: resolvePath(cwd, own['--out'] ?? join('results', 'ab')),
    benchArgs,
    help,
  }
}
