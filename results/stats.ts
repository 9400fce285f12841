import { mulberry32 } from '../core/random.ts'
/** Largest total sample size for which the Mann-Whitney U p-value is computed from the exact distribution. */
export const EXACT_MAX_TOTAL = 40

/** Bootstrap resamples drawn by default: enough for a stable 95% interval of a median ratio. */
export const BOOTSTRAP_ITERATIONS = 10_000

/** Seed of the bootstrap PRNG by default, so a CI run prints the same interval every time. */
export const BOOTSTRAP_SEED = 0x5EED

/** Result of a two-sided Mann-Whitney U test. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  readonly u: number
  /** Two-sided p-value: probability of a U at least this far from n1·n2/2 when both samples share one distribution. */
  readonly pValue: number
  /** 'exact' (permutation distribution of the ranks, ties included) or 'normal' (approximation with tie and continuity correction). */
  readonly method: 'exact' | 'normal'
}

/** A two-sided interval. */
export interface Interval {
  readonly lower: number
  readonly upper: number
}

/** Options of bootstrapMedianRatio. */
export interface BootstrapOptions {
  /** Resamples drawn; default BOOTSTRAP_ITERATIONS. */
  readonly iterations?: number
  /** Coverage of the interval, 0..1; default 0.95. */
  readonly confidence?: number
  /** PRNG seed; default BOOTSTRAP_SEED. */
  readonly seed?: number
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median (values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort(byValue)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** head / base, with 0 / 0 = 1 (no change) and x / 0 = Infinity. */
export function ratioOf (head: number, base: number): number {
  if (base === 0) return head === 0 ? 1 : Infinity
  return head / base
}

/** Number of ways to choose k of n, as a float (exact up to 2^53). */
export function binomial (n: number, k: number): number {
  if (k < 0 || k > n) return 0
  const m = Math.min(k, n - k)
  let out = 1
  for (let i = 1; i <= m; i++) out = out * (n - m + i) / i
  return Math.round(out)
}

/** Smallest two-sided p-value a Mann-Whitney U test can reach with these sample sizes (no ties): 2 / C(n1+n2, n1). */
export function smallestPValue (n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1
  return Math.min(1, 2 / binomial(n1 + n2, n1))
}

/** Two-sided Mann-Whitney U (Wilcoxon rank-sum) test of a against b. */
export function mannWhitneyU (a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length
  const n2 = b.length
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs at least one value on each side')
  const n = n1 + n2
  const { ranks2, tieTerm } = doubledMidRanks([...a, ...b])
  let rankSum2 = 0
  for (let i = 0; i < n1; i++) rankSum2 += ranks2[i] as number
  const u = rankSum2 / 2 - n1 * (n1 + 1) / 2
  if (n <= EXACT_MAX_TOTAL) return { u, pValue: exactPValue(ranks2, n1, rankSum2), method: 'exact' }
  const meanU = n1 * n2 / 2
  const variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
  if (variance <= 0) return { u, pValue: 1, method: 'normal' }
  const z = Math.max(0, Math.abs(u - meanU) - 0.5) / Math.sqrt(variance)
  return { u, pValue: Math.min(1, 2 * normalUpperTail(z)), method: 'normal' }
}

/**
 * Percentile bootstrap interval of median(head) / median(base): both sides resampled with replacement
 * from a seeded PRNG, so the same input always gives the same interval.
 */
export function bootstrapMedianRatio (base: readonly number[], head: readonly number[], options: BootstrapOptions = {}): Interval {
  if (base.length === 0 || head.length === 0) throw new RangeError('bootstrap needs at least one value on each side')
  const { iterations, confidence } = bootstrapSettings(options)
  const random = mulberry32(options.seed ?? BOOTSTRAP_SEED)
  const ratios = new Float64Array(iterations)
  const baseSample = new Array<number>(base.length)
  const headSample = new Array<number>(head.length)
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < base.length; j++) baseSample[j] = base[Math.floor(random() * base.length)] as number
    for (let j = 0; j < head.length; j++) headSample[j] = head[Math.floor(random() * head.length)] as number
    ratios[i] = ratioOf(median(headSample), median(baseSample))
  }
  return percentileInterval(ratios, confidence)
}

/** Result of a two-sided Wilcoxon signed-rank test. */
export interface SignedRankResult {
  /** Pairs with a non-zero difference (zero differences carry no sign and are dropped). */
  readonly n: number
  /** Two-sided p-value: exact (all 2^n sign patterns of the observed ranks, ties included) up to EXACT_MAX_PAIRS pairs, else the normal approximation with tie correction. */
  readonly pValue: number
  readonly method: 'exact' | 'normal'
}

/** Largest number of non-zero pairs for which the signed-rank p-value is computed exactly. */
export const EXACT_MAX_PAIRS = 40

/**
 * Two-sided Wilcoxon signed-rank test of paired differences against zero: |d| ranked (midranks for
 * ties), the ranks of the positive differences summed. Under no change each pair's sign is a coin
 * flip, which is what an interleaved run makes true: each pair ran side by side, each side first
 * equally often.
 */
export function wilcoxonSignedRank (differences: readonly number[]): SignedRankResult {
  const nonZero = differences.filter((d) => d !== 0)
  const n = nonZero.length
  if (n === 0) return { n, pValue: 1, method: 'exact' }
  const { ranks2, tieTerm } = doubledMidRanks(nonZero.map(Math.abs))
  let positive2 = 0
  for (let i = 0; i < n; i++) if ((nonZero[i] as number) > 0) positive2 += ranks2[i] as number
  const total2 = ranks2.reduce((sum, r) => sum + r, 0)
  const center2 = total2 / 2
  const observed = Math.abs(positive2 - center2)
  if (n <= EXACT_MAX_PAIRS) {
    // ways[s]: sign patterns whose positive ranks sum (doubled) to s
    let ways = new Float64Array(total2 + 1)
    ways[0] = 1
    for (const r of ranks2) {
      const next = new Float64Array(total2 + 1)
      for (let s = 0; s <= total2; s++) {
        const w = ways[s] as number
        if (w === 0) continue
        next[s] = (next[s] as number) + w
        next[s + r] = (next[s + r] as number) + w
      }
      ways = next
    }
    let extreme = 0
    let all = 0
    for (let s = 0; s <= total2; s++) {
      all += ways[s] as number
      // a tolerance for the halves of midranks: sums are integers in doubled units
      if (Math.abs(s - center2) >= observed - 1e-9) extreme += ways[s] as number
    }
    return { n, pValue: Math.min(1, extreme / all), method: 'exact' }
  }
  const variance = n * (n + 1) * (2 * n + 1) / 24 - tieTerm / 48
  if (variance <= 0) return { n, pValue: 1, method: 'normal' }
  const z = Math.max(0, observed / 2 - 0.5) / Math.sqrt(variance)
  return { n, pValue: Math.min(1, 2 * normalUpperTail(z)), method: 'normal' }
}

/** Smallest two-sided p-value a signed-rank test of n pairs can reach (no ties): 2 / 2^n. */
export function smallestPairedPValue (n: number): number {
  return n === 0 ? 1 : Math.min(1, 2 / 2 ** n)
}

/**
 * For paired rounds: the median of the pairs' head / base ratios, and its percentile bootstrap interval
 * (pairs resampled with replacement, seeded). Each ratio divides out what its two rounds shared (the
 * machine's state when they ran), so neither the figure nor its interval carries that swing.
 */
export function pairedMedianRatio (base: readonly number[], head: readonly number[], options: BootstrapOptions = {}): { ratio: number, interval: Interval } {
  if (base.length === 0 || base.length !== head.length) throw new RangeError('a paired ratio needs the same number (≥ 1) of values on each side')
  const { iterations, confidence } = bootstrapSettings(options)
  const pairs = head.map((h, i) => ratioOf(h, base[i] as number))
  const random = mulberry32(options.seed ?? BOOTSTRAP_SEED)
  const medians = new Float64Array(iterations)
  const sample = new Array<number>(pairs.length)
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < pairs.length; j++) sample[j] = pairs[Math.floor(random() * pairs.length)] as number
    medians[i] = median(sample)
  }
  return { ratio: median(pairs), interval: percentileInterval(medians, confidence) }
}

/** A bootstrap's resample count and coverage, defaults filled in; throws RangeError when they make no interval. */
function bootstrapSettings (options: BootstrapOptions): { iterations: number, confidence: number } {
  const iterations = options.iterations ?? BOOTSTRAP_ITERATIONS
  const confidence = options.confidence ?? 0.95
  if (!(iterations >= 1 && confidence > 0 && confidence < 1)) throw new RangeError(`bootstrap needs iterations >= 1 and 0 < confidence < 1 (got ${iterations}, ${confidence})`)
  return { iterations, confidence }
}

/** The central `confidence` share of resampled figures (sorted here, in place). */
function percentileInterval (values: Float64Array, confidence: number): Interval {
  values.sort()
  const tail = (1 - confidence) / 2
  return { lower: quantileSorted(values, tail), upper: quantileSorted(values, 1 - tail) }
}

/** Ranks doubled (so midranks of ties stay integers), and Σ(t³ − t) over tie groups. */
function doubledMidRanks (values: readonly number[]): { ranks2: number[], tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((x, y) => byValue(x.value, y.value))
  const ranks2 = new Array<number>(values.length).fill(0)
  let tieTerm = 0
  for (let start = 0; start < order.length;) {
    let end = start
    while (end + 1 < order.length && (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value) end++
    const t = end - start + 1
    const rank2 = start + end + 2 // 2 × the mean of 1-based ranks start+1 .. end+1
    for (let k = start; k <= end; k++) ranks2[(order[k] as { index: number }).index] = rank2
    tieTerm += t * t * t - t
    start = end + 1
  }
  return { ranks2, tieTerm }
}

/**
 * Exact two-sided p-value, conditional on the observed ranks (ties included): the share of all
 * C(n, n1) ways of picking n1 ranks whose sum lies at least as far from its mean as the observed one.
 */
function exactPValue (ranks2: readonly number[], n1: number, rankSum2: number): number {
  const n = ranks2.length
  const maxSum = ranks2.reduce((s, r) => s + r, 0)
  // ways[k][s]: number of k-subsets of the ranks seen so far with doubled sum s
  const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1))
  ;(ways[0] as Float64Array)[0] = 1
  for (const r of ranks2) {
    for (let k = n1; k >= 1; k--) {
      const into = ways[k] as Float64Array
      const from = ways[k - 1] as Float64Array
      for (let s = maxSum; s >= r; s--) into[s] = (into[s] as number) + (from[s - r] as number)
    }
  }
  const center2 = n1 * (n + 1) // 2 × the mean rank sum
  const observed = Math.abs(rankSum2 - center2)
  const row = ways[n1] as Float64Array
  let extreme = 0
  let total = 0
  for (let s = 0; s <= maxSum; s++) {
    const w = row[s] as number
    total += w
    if (Math.abs(s - center2) >= observed) extreme += w
  }
  return Math.min(1, extreme / total)
}

/** P(Z > z) for a standard normal Z (erfc approximation, relative error < 1.2e-7). */
function normalUpperTail (z: number): number {
  return erfc(z / Math.SQRT2) / 2
}

// Numerical Recipes' erfc (Chebyshev fit), accurate to 1.2e-7 everywhere.
function erfc (x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

/** Linear-interpolated quantile of sorted values (type 7, as R and NumPy default). */
function quantileSorted (sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const low = sorted[lo] as number
  const high = sorted[hi] as number
  if (lo === hi || low === high) return low
  return low + (high - low) * (pos - lo)
}

/** Ascending order that also holds for ±Infinity (where x − y would be NaN). */
function byValue (x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Benjamini-Hochberg adjusted p-values (q-values) of one family of tests, in the input order: q(i) is
 * the smallest false-discovery rate at which test i would be rejected by the step-up procedure,
 * min over k >= rank(i) of p(k) · m / k, capped at 1. Rejecting every q < α keeps the expected share of
 * false flags among the flagged at or below α, and the chance of any flag when nothing changed (the
 * family-wise rate under the global null) at or below α too. null entries are not tests.
 */
export function benjaminiHochberg (pValues: ReadonlyArray<number | null>): Array<number | null> {
  const tests = pValues.flatMap((p, index) => p === null ? [] : [{ p, index }]).sort((a, b) => a.p - b.p)
  const m = tests.length
  const q: Array<number | null> = pValues.map(() => null)
  let running = 1
  for (let k = m; k >= 1; k--) {
    const test = tests[k - 1] as { p: number, index: number }
    running = Math.min(running, test.p * m / k)
    q[test.index] = running
  }
  return q
}
