/**
 * npm run bench:gate-mde -- DIR [DIR …] [--splits N] [--sizes 5,10,20,30,50] [--seed S] [--threshold 10%] [--pool K]
 *
 * The smallest regression the CI gate catches, per metric, from real identical-code measurements. Each
 * DIR is the --out of one `npm run bench:ab` of IDENTICAL code (DIR/base/latest.json, DIR/head/latest.json),
 * so its rounds carry this machine's real noise, interleaved as the workflow interleaves them. For each
 * run, the pooled rounds are split at random into two halves (as bench:gate-null does; for an interleaved
 * run, whose rounds compare pair by pair, each pair's two one-round runs swap sides at random instead,
 * which is the null the paired test assumes: either side could have been either); one half becomes
 * the head and gets a known regression of s % in one metric, in every round of one (scenario, transport)
 * row (the hardest case: one row among all the gating rows) or of every row; then this checkout's
 * compare() judges the pair. The share of splits the gate fails is the detection rate at s (at s = 0 it
 * is the false-alarm rate), with a Wilson 95 % interval. The minimum detectable regression is the
 * smallest s whose detection rate is ≥ 95 %. Only the injected metric's values change; everything else
 * is as measured. Each comparison is compare() itself, with 1,000 bootstrap resamples instead of 10,000
 * (the interval's edges move by a fraction of a percent) and without the cross-transport rows, which never gate.
 *
 * --pool K answers "how many rounds would it take?" without new runs: the rounds of K consecutive runs are
 * pooled before the split, so each side gets K times the rounds. Rounds from different runs carry the drift
 * between runs as well as the noise within one, so the detection rates this gives are conservative (an
 * interleaved run of that many rounds sees less noise); the false-alarm rate stays what the rule allows,
 * because a random split of pooled rounds is still exchangeable.
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { compare, DEFAULT_THRESHOLD_PCT } from '../results/compare.ts'
import { METRICS, type MetricKey } from '../results/metrics.ts'
import type { RoundResult, RunResult } from '../results/schema.ts'
import { readResult } from '../results/store.ts'
import { mulberry32 } from '../core/random.ts'
import { shuffle } from '../runner/suite.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    splits: { type: 'string', default: '40' },
    sizes: { type: 'string', default: '0,5,10,15,20,30,50,100' },
    seed: { type: 'string', default: '11' },
    threshold: { type: 'string', default: `${DEFAULT_THRESHOLD_PCT}%` },
    pool: { type: 'string', default: '1' },
  },
})
if (positionals.length === 0) {
  process.stderr.write('usage: npm run bench:gate-mde -- DIR [DIR …] (each the --out of one identical-code npm run bench:ab)\n')
  process.exit(2)
}
const splits = Number(values.splits)
const sizesPct = values.sizes.split(',').map(Number)
const thresholdPct = Number(values.threshold.replace(/%$/, ''))
const random = mulberry32(Number(values.seed) >>> 0)
const pool = Number(values.pool)
if (!Number.isInteger(pool) || pool < 1 || pool > positionals.length) {
  process.stderr.write(`--pool must be an integer from 1 to the number of DIRs (${positionals.length}), not ${JSON.stringify(values.pool)}\n`)
  process.exit(2)
}
const measured = positionals.map((dir) => ({ base: readResult(join(dir, 'base', 'latest.json')), head: readResult(join(dir, 'head', 'latest.json')) }))
/** K runs as one: their rounds renumbered one after the other (the options of the first run, rounds summed). */
function pooled (group: ReadonlyArray<{ base: RunResult, head: RunResult }>): { base: RunResult, head: RunResult } {
  const join1 = (side: 'base' | 'head'): RunResult => {
    const first = (group[0] as { base: RunResult, head: RunResult })[side]
    let offset = 0
    const rounds: RoundResult[] = []
    for (const run of group) {
      rounds.push(...run[side].rounds.map((r) => ({ ...r, round: r.round + offset })))
      offset += run[side].options.rounds
    }
    return { ...first, options: { ...first.options, rounds: offset }, rounds }
  }
  return { base: join1('base'), head: join1('head') }
}
const runs = Array.from({ length: Math.floor(measured.length / pool) }, (_, g) => pooled(measured.slice(g * pool, (g + 1) * pool)))

/** A copy of a round with one metric made worse by `factor` (× for smaller-is-better, ÷ for throughput). */
function worsen (round: RoundResult, key: MetricKey, factor: number): RoundResult {
  switch (key) {
    case 'p50': return { ...round, latency: { ...round.latency, p50Us: round.latency.p50Us * factor } }
    case 'p99': return { ...round, latency: { ...round.latency, p99Us: round.latency.p99Us * factor } }
    case 'msgs': return { ...round, deliveredPerSec: round.deliveredPerSec / factor }
    case 'bytes': return { ...round, bytesPerMessage: round.bytesPerMessage * factor }
    case 'cpu': return { ...round, server: { ...round.server, cpuUsPerMessage: round.server.cpuUsPerMessage * factor } }
  }
}

/** Wilson score interval for k of n at 95 %. */
function wilson (k: number, n: number): [number, number] {
  const z = 1.96
  const p = k / n
  const centre = (p + z * z / (2 * n)) / (1 + z * z / n)
  const half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

interface Cell { failed: number, trials: number }

// the gate's own rule on every gating row; 1,000 bootstrap resamples instead of 10,000 and no (never
// gating) cross-transport rows, so that thousands of comparisons take minutes, not hours
const SIMULATION = { thresholdPct, metrics: METRICS.map((m) => m.key), bootstrapIterations: 1_000, hasCrossTransport: false }

/** Detection counts by metric, size and target ('one row' or 'every row'). */
const cells = new Map<string, Cell>()
const cellOf = (key: string): Cell => {
  let c = cells.get(key)
  if (c === undefined) cells.set(key, c = { failed: 0, trials: 0 })
  return c
}

for (const { base, head } of runs) {
  const isPaired = compare(base, head, { thresholdPct, metrics: [] }).interleavedOrder !== null // also refuses runs of different configs, naming the key
  const pooled = [...base.rounds, ...head.rounds.map((r) => ({ ...r, round: r.round + base.options.rounds }))]
  const total = base.options.rounds + head.options.rounds
  const half = Math.floor(total / 2)
  const pairs = [...new Set(pooled.map((r) => `${r.scenario}\u0000${r.transport}`))]
  const sideOf = (ids: readonly number[], change?: (r: RoundResult) => RoundResult): RunResult => ({
    ...base,
    options: { ...base.options, rounds: ids.length },
    rounds: pooled.filter((r) => ids.includes(r.round)).map((r) => ({ ...(change?.(r) ?? r), round: ids.indexOf(r.round) + 1 })),
  })
  /** One pair's swap: round k of base and round k of head change sides, as whole one-round runs. */
  const swapped = (flips: readonly boolean[], side: 'base' | 'head', change?: (r: RoundResult) => RoundResult): RunResult => {
    const own = side === 'base' ? base : head
    const other = side === 'base' ? head : base
    const rounds = Array.from({ length: base.options.rounds }, (_, k) => (flips[k] === true ? other : own).rounds.filter((r) => r.round === k + 1)).flat()
    return { ...own, rounds: rounds.map((r) => change?.(r) ?? r) }
  }
  for (let s = 0; s < splits; s++) {
    const ids = shuffle(Array.from({ length: total }, (_, i) => i + 1), random)
    const flips = Array.from({ length: base.options.rounds }, () => random() < 0.5)
    const baseSide = isPaired ? swapped(flips, 'base') : sideOf(ids.slice(0, half))
    // the row that regresses in 'one row' mode: a different (scenario, transport) each split
    const target = pairs[Math.floor(random() * pairs.length)] as string
    for (const metric of METRICS) {
      for (const sizePct of sizesPct) {
        const factor = 1 + sizePct / 100
        for (const mode of ['one row', 'every row'] as const) {
          // no injection is the same trial whatever the metric: count it once
          if (sizePct === 0 && (mode === 'every row' || metric !== METRICS[0])) continue
          const injure = (r: RoundResult): RoundResult => mode === 'every row' || `${r.scenario}\u0000${r.transport}` === target ? worsen(r, metric.key, factor) : r
          const headSide = isPaired ? swapped(flips, 'head', injure) : sideOf(ids.slice(half, 2 * half), injure)
          const c = compare(baseSide, headSide, SIMULATION)
          const cell = cellOf(sizePct === 0 ? `${metric.key}|0|none` : `${metric.key}|${sizePct}|${mode}`)
          cell.trials++
          if (c.hasRegression) cell.failed++
        }
      }
    }
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(0)}%`
const lines: string[] = []
const first = runs[0] as { base: RunResult }
lines.push(`gate detection by injected regression size: ${runs.length} identical-code bench:ab runs × ${splits} random splits each ` +
  `(${first.base.options.rounds} + ${first.base.options.rounds} rounds per run${pool > 1 ? `, each the rounds of ${pool} runs pooled` : ''}, profile ${first.base.options.profile ?? 'none'}), threshold ${thresholdPct}%`)
lines.push('false alarms (no injection, whole gate): ' + (() => {
  const c = cellOf(`${METRICS[0]?.key ?? 'p50'}|0|none`)
  const [lo, hi] = wilson(c.failed, c.trials)
  return `${c.failed}/${c.trials} = ${pct(c.failed / c.trials)} (95% interval ${pct(lo)}–${pct(hi)})`
})())
lines.push('')
lines.push('| metric | injected into | ' + sizesPct.filter((s) => s > 0).map((s) => `+${s}%`).join(' | ') + ' | smallest caught ≥ 95% |')
lines.push('| --- | --- | ' + sizesPct.filter((s) => s > 0).map(() => '---').join(' | ') + ' | --- |')
for (const metric of METRICS) {
  for (const mode of ['one row', 'every row'] as const) {
    const rates = sizesPct.filter((s) => s > 0).map((s) => {
      const c = cellOf(`${metric.key}|${s}|${mode}`)
      return { sizePct: s, rate: c.failed / c.trials, failed: c.failed, trials: c.trials }
    })
    const caught = rates.find((r) => r.rate >= 0.95)
    lines.push(`| ${metric.key} (${metric.unit}) | ${mode} | ${rates.map((r) => pct(r.rate)).join(' | ')} | ${caught === undefined ? `> ${sizesPct[sizesPct.length - 1]}%` : `${caught.sizePct}%`} |`)
  }
}
process.stdout.write(lines.join('\n') + '\n')
