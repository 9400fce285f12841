/**
 * npm run bench:gate-null -- BASE.json HEAD.json [--splits N] [--seed S] [--threshold 10%]
 *
 * How often would the CI gate fail on noise alone, on this machine, for this config? Give it the two
 * results of one `npm run bench:ab` of IDENTICAL code (base = head). It pools their rounds (2n per
 * scenario and transport), splits them at random into two halves of n many times, runs compare() on
 * each split, and counts the splits that fail the gate: the whole gate's false-alarm rate under the
 * permutation null, the situation the rank test's p-values assume. It prints the same count for the
 * rule without the Benjamini-Hochberg adjustment (p < 0.05 on any row), and which rows flagged.
 * Minutes of measuring are not needed: one identical-code bench:ab run is enough.
 */
import { parseArgs } from 'node:util'
import { compare, DEFAULT_THRESHOLD_PCT, type CompareRow } from '../results/compare.ts'
import { METRICS } from '../results/metrics.ts'
import type { RunResult } from '../results/schema.ts'
import { readResult } from '../results/store.ts'
import { mulberry32 } from '../core/random.ts'
import { shuffle } from '../runner/suite.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { splits: { type: 'string', default: '400' }, seed: { type: 'string', default: '7' }, threshold: { type: 'string', default: `${DEFAULT_THRESHOLD_PCT}%` } },
})
const [baseFile, headFile] = positionals
if (baseFile === undefined || headFile === undefined) {
  process.stderr.write('usage: npm run bench:gate-null -- BASE.json HEAD.json [--splits N] [--seed S] [--threshold 10%]\n')
  process.exit(2)
}
const splits = Number(values.splits)
const thresholdPct = Number(values.threshold.replace(/%$/, ''))
const base = readResult(baseFile)
const head = readResult(headFile)
compare(base, head, { thresholdPct, metrics: [] }) // refuses runs of different configs, naming the key

// round k of head becomes round n + k of the pool; a round number keeps one one-round run's rounds together
const pooled = [...base.rounds, ...head.rounds.map((r) => ({ ...r, round: r.round + base.options.rounds }))]
const total = base.options.rounds + head.options.rounds
const half = Math.floor(total / 2)
const random = mulberry32(Number(values.seed) >>> 0)

function sideOf (ids: readonly number[]): RunResult {
  return { ...base, options: { ...base.options, rounds: ids.length }, rounds: pooled.filter((r) => ids.includes(r.round)).map((r) => ({ ...r, round: ids.indexOf(r.round) + 1 })) }
}

/** The gate's rule without the adjustment: p < 0.05, interval beyond 1 and worse than the threshold, on any row. */
function failsUnadjusted (rows: readonly CompareRow[]): boolean {
  return rows.some((r) => r.kind === 'absolute' && r.pValue !== null && r.pValue < 0.05 && r.interval !== null && r.changePct !== null &&
    (r.smallerIsBetter ? r.changePct > thresholdPct && r.interval.lower > 1 : r.changePct < -thresholdPct && r.interval.upper < 1))
}

let failed = 0
let failedUnadjusted = 0
let gatingRows = 0
const flaggedRows = new Map<string, number>()
for (let s = 0; s < splits; s++) {
  const ids = shuffle(Array.from({ length: total }, (_, i) => i + 1), random)
  const c = compare(sideOf(ids.slice(0, half)), sideOf(ids.slice(half, 2 * half)), { thresholdPct, metrics: METRICS.map((m) => m.key) })
  gatingRows = c.rows.filter((r) => r.kind === 'absolute').length
  if (c.hasRegression) failed++
  if (failsUnadjusted(c.rows)) failedUnadjusted++
  for (const r of c.rows) {
    if (r.kind === 'absolute' && r.verdict === 'regression') flaggedRows.set(`${r.scenario}/${r.transport}/${r.metric}`, (flaggedRows.get(`${r.scenario}/${r.transport}/${r.metric}`) ?? 0) + 1)
  }
}
const pct = (k: number): string => `${k}/${splits} = ${(100 * k / splits).toFixed(1)}%`
process.stdout.write([
  `${splits} random splits of ${total} rounds of identical code into ${half} vs ${half}, ${gatingRows} gating rows, threshold ${thresholdPct}%:`,
  `  gate fails (q < 0.05, Benjamini-Hochberg):   ${pct(failed)}`,
  `  unadjusted rule (p < 0.05 on any row):      ${pct(failedUnadjusted)}`,
  ...(flaggedRows.size === 0 ? [] : ['  rows flagged (adjusted), splits:', ...[...flaggedRows].sort((a, b) => b[1] - a[1]).map(([k, v]) => `    ${k}: ${v}`)]),
].join('\n') + '\n')
