/**
 * The CI gate's power, measured on this machine (`npm run bench:gate-power`; it takes minutes, it is not
 * a unit test). Each trial runs two base/head jobs of the same code on a small subset, each interleaved
 * round by round exactly as the workflow runs them (npm run bench:ab, ABBA, --profile ci): A vs A′
 * (identical code) and A vs S (the head's server delays every published batch by --delay-us, test mode),
 * the two jobs in a seeded random order. Then
 *   false alarm  = compare(A, A′) fails the gate (exit 99 under npm run compare),
 *   detection    = compare(A, S) fails the gate,
 * each as a rate over the trials with a Wilson 95% interval, for the whole gate (every metric) and for
 * the p99 rows alone. It also reports the real shift the injection caused (median head/base ratio of the
 * per-round p50 and p99), the noise between identical runs, and `npm run compare` itself on one pair of
 * each kind. `--from DIR` judges a finished measurement's result files again, with this checkout's compare.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { compare, DEFAULT_THRESHOLD_PCT, type Comparison } from '../results/compare.ts'
import { METRICS, type MetricKey } from '../results/metrics.ts'
import type { RunResult } from '../results/schema.ts'
import { median } from '../results/stats.ts'
import { readResult } from '../results/store.ts'
import { TEST_MODE_ENV } from '../core/test-mode.ts'
import { runInterleaved } from '../runner/ab.ts'
import { BENCH_PROFILES } from '../runner/cli-options.ts'
import { mulberry32 } from '../core/random.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MAX_TRIALS = 200

interface PowerOptions {
  readonly trials: number
  readonly delayUs: number
  readonly scenario: string
  readonly transports: string
  readonly thresholdPct: number
  readonly seed: number
  readonly outDir: string
}

interface Trial {
  readonly index: number
  readonly files: { readonly sameBase: string, readonly same: string, readonly slowedBase: string, readonly slowed: string }
  readonly order: string
  readonly nullGate: boolean
  readonly nullP99: boolean
  readonly detectGate: boolean
  readonly detectP99: boolean
  readonly nullFlagged: readonly string[]
  readonly detectFlagged: readonly string[]
  /** Per transport: median head/base ratio of p50 and p99, for A′ vs A and S vs A. */
  readonly shifts: Record<string, { sameP50: number, sameP99: number, slowedP50: number, slowedP99: number }>
  readonly invalidRounds: number
}

function parseOptions (argv: readonly string[]): PowerOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      trials: { type: 'string', default: '10' },
      'delay-us': { type: 'string', default: '800' },
      scenario: { type: 'string', default: 'ticker' },
      transport: { type: 'string', default: 'ws,sse' },
      threshold: { type: 'string', default: `${DEFAULT_THRESHOLD_PCT}` },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  })
  const trials = Number(values.trials)
  const delayUs = Number(values['delay-us'])
  const thresholdPct = Number(values.threshold.replace(/%$/, ''))
  if (!(Number.isInteger(trials) && trials >= 1 && trials <= MAX_TRIALS)) throw new RangeError(`--trials must be an integer 1..${MAX_TRIALS} (got ${values.trials})`)
  if (!(Number.isInteger(delayUs) && delayUs >= 1)) throw new RangeError(`--delay-us must be an integer >= 1 (got ${values['delay-us']})`)
  if (!(thresholdPct >= 0)) throw new RangeError(`--threshold must be a percentage (got ${values.threshold})`)
  return {
    trials,
    delayUs,
    scenario: values.scenario,
    transports: values.transport,
    thresholdPct,
    seed: Number(values.seed) >>> 0,
    outDir: values.out ?? join(tmpdir(), `feedbench-gate-power-${Date.now()}`),
  }
}

/**
 * Runs base and head interleaved round by round exactly as the workflow does (npm run bench:ab, ABBA,
 * --profile ci), both from this checkout; the head gets the injected slowdown when delayUs > 0.
 */
async function interleaved (options: PowerOptions, dir: string, delayUs: number): Promise<{ base: string, head: string }> {
  const result = await runInterleaved({
    dirs: { base: ROOT, head: ROOT },
    benchArgs: ['--profile', 'ci', '--scenario', options.scenario, '--transport', options.transports],
    sideArgs: delayUs > 0 ? { head: ['--inject-delay-us', String(delayUs)] } : {},
    env: { [TEST_MODE_ENV]: '1' },
    rounds: BENCH_PROFILES.ci.rounds,
    outDir: dir,
  })
  return result.files
}

function flagged (c: Comparison): string[] {
  const scenarios = new Set(c.rows.map((r) => r.scenario))
  return c.rows.filter((r) => r.kind === 'absolute' && r.verdict === 'regression')
    .map((r) => `${scenarios.size > 1 ? `${r.scenario}/` : ''}${r.transport} ${r.metric} ${r.changePct === null ? '' : `${r.changePct > 0 ? '+' : ''}${r.changePct.toFixed(1)}%`}`)
}

function medianRatio (c: Comparison, transport: string, metric: MetricKey): number {
  return c.rows.find((r) => r.kind === 'absolute' && r.transport === transport && r.metric === metric)?.ratio ?? NaN
}

async function runTrial (options: PowerOptions, index: number, random: () => number): Promise<Trial> {
  const dir = join(options.outDir, `trial-${String(index).padStart(3, '0')}`)
  mkdirSync(dir, { recursive: true })
  // two interleaved base/head jobs per trial: identical code (A vs A′) and the injected slowdown (A vs S)
  const slowedFirst = random() < 0.5
  const pairs: Record<'same' | 'slowed', { base: string, head: string }> = { same: { base: '', head: '' }, slowed: { base: '', head: '' } }
  for (const kind of slowedFirst ? ['slowed', 'same'] as const : ['same', 'slowed'] as const) {
    pairs[kind] = await interleaved(options, join(dir, kind), kind === 'slowed' ? options.delayUs : 0)
  }
  return judgeTrial(options, index, { sameBase: pairs.same.base, same: pairs.same.head, slowedBase: pairs.slowed.base, slowed: pairs.slowed.head },
    slowedFirst ? '(A S) (A A′)' : '(A A′) (A S)')
}

/** What the gate (this checkout's compare) says about one trial's two interleaved jobs. */
function judgeTrial (options: PowerOptions, index: number, files: Trial['files'], order: string): Trial {
  const [a, a2, aS, s] = [files.sameBase, files.same, files.slowedBase, files.slowed].map((f) => readResult(f)) as [RunResult, RunResult, RunResult, RunResult]
  const all = METRICS.map((m) => m.key)
  const nullAll = compare(a, a2, { thresholdPct: options.thresholdPct, metrics: all })
  const detectAll = compare(aS, s, { thresholdPct: options.thresholdPct, metrics: all })
  const shifts: Trial['shifts'] = {}
  for (const t of a.options.transports) {
    shifts[t] = {
      sameP50: medianRatio(nullAll, t, 'p50'),
      sameP99: medianRatio(nullAll, t, 'p99'),
      slowedP50: medianRatio(detectAll, t, 'p50'),
      slowedP99: medianRatio(detectAll, t, 'p99'),
    }
  }
  return {
    index,
    files,
    order,
    nullGate: nullAll.hasRegression,
    nullP99: compare(a, a2, { thresholdPct: options.thresholdPct, metrics: ['p99'] }).hasRegression,
    detectGate: detectAll.hasRegression,
    detectP99: compare(aS, s, { thresholdPct: options.thresholdPct, metrics: ['p99'] }).hasRegression,
    nullFlagged: flagged(nullAll),
    detectFlagged: flagged(detectAll),
    shifts,
    invalidRounds: [a, a2, aS, s].reduce((n, r) => n + r.rounds.filter((x) => x.status !== 'valid').length, 0),
  }
}

/** Wilson score interval (95%) of a binomial proportion k / n. */
function wilson (k: number, n: number): { lower: number, upper: number } {
  const z = 1.959963984540054
  const p = k / n
  const denom = 1 + z * z / n
  const center = (p + z * z / (2 * n)) / denom
  const half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) }
}

function rate (k: number, n: number): string {
  const w = wilson(k, n)
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`
  return `${k}/${n} = ${pct(k / n)} (Wilson 95% ${pct(w.lower)} – ${pct(w.upper)})`
}

function shiftText (ratios: readonly number[]): string {
  const finite = ratios.filter((r) => Number.isFinite(r))
  if (finite.length === 0) return 'n/a'
  const pct = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs((r - 1) * 100).toFixed(1)}%`
  return `${pct(median(finite))} (trials ${pct(Math.min(...finite))} … ${pct(Math.max(...finite))})`
}

/** Runs `npm run compare` (results/main.ts) on two files and returns its exit code and output. */
function compareCli (base: string, head: string, thresholdPct: number): { code: number | null, stdout: string, stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'results/main.ts', base, head, '--threshold', `${thresholdPct}%`], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  return { code: child.status, stdout: child.stdout, stderr: child.stderr }
}

/** Standard deviation of a list (n − 1), NaN below two values. */
function sd (values: readonly number[]): number {
  if (values.length < 2) return NaN
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
}

/** The report: rates with Wilson intervals, real shifts, noise between identical runs, and npm run compare shown on real pairs. */
function summarize (options: PowerOptions, trials: readonly Trial[], errors: readonly string[], wallMs: number): string {
  const n = trials.length
  const lines: string[] = []
  lines.push(`# CI gate power (${new Date().toISOString()})`, '')
  lines.push(`Subset: scenario ${options.scenario}, transports ${options.transports}, --profile ci; threshold ${options.thresholdPct}%, α = 0.05.`)
  lines.push(`Injected slowdown: ${options.delayUs} µs per published batch (test mode). Trials: ${n} completed of ${options.trials}, 2 interleaved base/head jobs each (npm run bench:ab, ABBA); wall time ${Number.isFinite(wallMs) ? `${(wallMs / 60_000).toFixed(1)} min` : 'not recorded'}.`, '')
  if (n === 0) return [...lines, 'Errors:', ...errors.map((e) => `  ${e}`)].join('\n')
  lines.push(`False-alarm rate, whole gate (every metric):   ${rate(trials.filter((t) => t.nullGate).length, n)}`)
  lines.push(`False-alarm rate, p99 rows only:                ${rate(trials.filter((t) => t.nullP99).length, n)}`)
  lines.push(`Detection rate, whole gate (every metric):      ${rate(trials.filter((t) => t.detectGate).length, n)}`)
  lines.push(`Detection rate, p99 rows only:                  ${rate(trials.filter((t) => t.detectP99).length, n)}`, '')
  lines.push('Real shift, median over trials of (median head / median base − 1), with the range over trials:')
  const transports = Object.keys(trials[0]?.shifts ?? {})
  for (const t of transports) {
    const of = (k: keyof Trial['shifts'][string]) => shiftText(trials.map((x) => x.shifts[t]?.[k] ?? NaN))
    lines.push(`  ${t}: p99 injected ${of('slowedP99')}, identical ${of('sameP99')}`)
    lines.push(`  ${t}: p50 injected ${of('slowedP50')}, identical ${of('sameP50')}`)
  }
  // a 15% regression is flagged reliably only when the run-to-run noise of the median ratio is well
  // inside the gap between the regression and the threshold: sd(ln ratio) <= (ln 1.15 − ln(1 + T)) / 1.645
  const needed = (Math.log(1.15) - Math.log(1 + options.thresholdPct / 100)) / 1.645
  lines.push('', `Noise between identical runs, sd of ln(median p99 ratio A′/A) (need <= ${needed.toFixed(3)} for 95% detection of +15% at this threshold):`)
  for (const t of transports) {
    const logs = trials.map((x) => Math.log(x.shifts[t]?.sameP99 ?? NaN)).filter((v) => Number.isFinite(v))
    const logs50 = trials.map((x) => Math.log(x.shifts[t]?.sameP50 ?? NaN)).filter((v) => Number.isFinite(v))
    lines.push(`  ${t}: p99 ${sd(logs).toFixed(3)}, p50 ${sd(logs50).toFixed(3)}`)
  }
  lines.push(`INVALID rounds (left out by compare): ${trials.reduce((sum, t) => sum + t.invalidRounds, 0)}, over ${4 * n} merged runs`, '')
  const first = trials[0] as Trial
  lines.push(...demo('Trial 1, identical code', first.files.sameBase, first.files.same, options.thresholdPct, 6))
  lines.push(...demo('Trial 1, head with the injected slowdown', first.files.slowedBase, first.files.slowed, options.thresholdPct, 18))
  const passing = trials.find((t) => !t.nullGate)
  if (first.nullGate && passing !== undefined) lines.push(...demo(`Trial ${passing.index} (the first identical pair that passes)`, passing.files.sameBase, passing.files.same, options.thresholdPct, 0))
  if (errors.length > 0) lines.push('Errors:', ...errors.map((e) => `  ${e}`), '')
  return lines.join('\n')
}

function demo (title: string, base: string, head: string, thresholdPct: number, markdownLines: number): string[] {
  const out = compareCli(base, head, thresholdPct)
  return [`${title}: npm run compare -- ${base} ${head} --threshold ${thresholdPct}%`,
    `  exit ${String(out.code)}; stderr: ${out.stderr.trim().replaceAll('\n', '\n  ')}`,
    ...(markdownLines > 0 ? ['  markdown (first lines):', ...out.stdout.split('\n').slice(0, markdownLines).map((l) => `    ${l}`)] : []), '']
}

async function main (): Promise<void> {
  const from = process.argv.indexOf('--from')
  if (from >= 0) {
    // re-judge a finished measurement's result files with this checkout's compare: npm run bench:gate-power -- --from DIR
    const dir = process.argv[from + 1] ?? ''
    const saved = JSON.parse(readFileSync(join(dir, 'gate-power.json'), 'utf8')) as { options: PowerOptions, trials: Trial[], errors: string[], wallMs?: number }
    const trials = saved.trials.map((t) => judgeTrial(saved.options, t.index, t.files, t.order))
    process.stdout.write(summarize(saved.options, trials, saved.errors, saved.wallMs ?? NaN) + '\n')
    return
  }
  const options = parseOptions(process.argv.slice(2))
  mkdirSync(options.outDir, { recursive: true })
  const random = mulberry32(options.seed)
  const trials: Trial[] = []
  const errors: string[] = []
  const t0 = performance.now()
  process.stderr.write(`gate power: ${options.trials} trials × 2 interleaved CI-profile jobs (${options.scenario}: ${options.transports}), injected delay ${options.delayUs} µs, threshold ${options.thresholdPct}%, into ${options.outDir}\n`)
  for (let i = 1; i <= options.trials; i++) {
    const started = performance.now()
    try {
      const trial = await runTrial(options, i, random)
      trials.push(trial)
      const p99 = Object.entries(trial.shifts).map(([t, s]) => `${t} p99 ×${s.sameP99.toFixed(2)} / ×${s.slowedP99.toFixed(2)}`).join(', ')
      process.stderr.write(`[${i}/${options.trials}] ${trial.order}: A′ ${trial.nullGate ? 'FALSE ALARM' : 'pass'}${trial.nullFlagged.length > 0 ? ` (${trial.nullFlagged.join('; ')})` : ''}, ` +
        `S ${trial.detectGate ? 'detected' : 'MISSED'} (${trial.detectFlagged.join('; ') || 'nothing flagged'}); ${p99} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`)
    } catch (err) {
      errors.push(`trial ${i}: ${(err as Error).message}`)
      process.stderr.write(`[${i}/${options.trials}] ERROR ${(err as Error).message}\n`)
    }
  }
  const wallMs = performance.now() - t0
  writeFileSync(join(options.outDir, 'gate-power.json'), JSON.stringify({ options, trials, errors, wallMs }, null, 2) + '\n')
  const text = summarize(options, trials, errors, wallMs)
  writeFileSync(join(options.outDir, 'gate-power.md'), text + '\n')
  process.stdout.write(text + '\n')
  process.exitCode = trials.length === 0 ? 1 : 0
}

await main()
