import { describe, expect, it } from 'vitest'
import { benjaminiHochberg, binomial, bootstrapMedianRatio, mannWhitneyU, median, pairedMedianRatio, ratioOf, smallestPairedPValue, smallestPValue, wilcoxonSignedRank } from './stats.ts'

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError)
  })
})

describe('ratioOf', () => {
  it('treats 0 / 0 as no change and x / 0 as infinite', () => {
    expect(ratioOf(0, 0)).toBe(1)
    expect(ratioOf(5, 0)).toBe(Infinity)
    expect(ratioOf(13, 10)).toBeCloseTo(1.3, 12)
  })
})

describe('mannWhitneyU', () => {
  it('smallest two-sided p with 3, 4, 5 and 6 rounds per side is 0.1, 0.029, 0.008 and 0.002', () => {
    const separated = (n: number) => mannWhitneyU(Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => 100 + i))
    expect(separated(3).pValue).toBeCloseTo(0.1, 12)
    expect(separated(4).pValue).toBeCloseTo(2 / 70, 12)
    expect(separated(5).pValue).toBeCloseTo(2 / 252, 12)
    expect(separated(6).pValue).toBeCloseTo(2 / 924, 12)
    expect(separated(3).method).toBe('exact')
  })

  it('agrees with smallestPValue', () => {
    expect(smallestPValue(3, 3)).toBeCloseTo(0.1, 12)
    expect(smallestPValue(6, 6)).toBeCloseTo(0.0021645, 6)
    expect(smallestPValue(0, 6)).toBe(1)
    expect(binomial(12, 6)).toBe(924)
  })

  it('matches scipy.stats.mannwhitneyu(method="exact") without ties', () => {
    const r = mannWhitneyU([1.1, 2.3, 0.7, 4.0, 3.2, 2.9], [3.5, 4.4, 2.8, 5.1, 6.0, 3.9])
    expect(r.u).toBe(5)
    expect(r.pValue).toBeCloseTo(0.04112554112554113, 12)
  })

  it('is exact with ties: matches a full permutation test of |U − n1·n2/2|', () => {
    // scipy.stats.permutation_test over all 462 splits gives 0.11038961038961038
    const r = mannWhitneyU([1, 2, 2, 3, 4], [2, 3, 4, 4, 5, 6])
    expect(r.u).toBe(5.5)
    expect(r.pValue).toBeCloseTo(0.11038961038961038, 12)
  })

  it('uses the normal approximation with tie and continuity correction above 40 values', () => {
    const x = [12, 15, 15, 17, 20, 21, 21, 22, 25, 30, 31, 33, 33, 35, 40, 41, 42, 45, 50, 51, 52]
    const y = [14, 16, 18, 18, 23, 26, 28, 29, 29, 34, 36, 37, 38, 39, 44, 46, 47, 49, 55, 56, 58, 60]
    const r = mannWhitneyU(x, y)
    expect(r.method).toBe('normal')
    expect(r.u).toBe(182)
    // scipy.stats.mannwhitneyu(x, y, method='asymptotic', use_continuity=True)
    expect(r.pValue).toBeCloseTo(0.23855684966107027, 6)
  })

  it('gives p = 1 for identical samples and is symmetric in its arguments', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).pValue).toBe(1)
    expect(mannWhitneyU([1, 2, 3, 4], [1, 2, 3, 4]).pValue).toBe(1)
    const a = [10, 12, 9, 14]
    const b = [15, 11, 16, 18]
    expect(mannWhitneyU(a, b).pValue).toBeCloseTo(mannWhitneyU(b, a).pValue, 12)
  })
})

describe('bootstrapMedianRatio', () => {
  const base = [100, 104, 97, 101, 99, 103]
  const head = [131, 128, 134, 126, 130, 129]

  it('is deterministic for a seed and brackets the observed ratio of medians', () => {
    const first = bootstrapMedianRatio(base, head)
    expect(bootstrapMedianRatio(base, head)).toEqual(first)
    const observed = median(head) / median(base)
    expect(first.lower).toBeLessThanOrEqual(observed)
    expect(first.upper).toBeGreaterThanOrEqual(observed)
    expect(first.lower).toBeGreaterThan(1.2)
  })

  it('changes with the seed and narrows with confidence', () => {
    const wide = bootstrapMedianRatio(base, head, { seed: 7 })
    const narrow = bootstrapMedianRatio(base, head, { seed: 7, confidence: 0.5 })
    expect(narrow.upper - narrow.lower).toBeLessThanOrEqual(wide.upper - wide.lower)
  })

  it('is exactly 1 for identical constant samples', () => {
    expect(bootstrapMedianRatio([7, 7, 7], [7, 7, 7])).toEqual({ lower: 1, upper: 1 })
  })
})

describe('benjaminiHochberg', () => {
  it('matches the step-up adjustment (R p.adjust(method = "BH")) and keeps the input order and the non-tests', () => {
    const q = benjaminiHochberg([0.041, 0.001, 0.205, 0.008, null, 0.039, 0.06, 0.042, 0.074])
    const expected = [0.0672, 0.008, 0.205, 0.032, null, 0.0672, 0.08, 0.0672, 0.084571]
    expect(q.map((x) => x === null ? null : Number(x.toFixed(6)))).toEqual(expected)
  })

  it('equals p for a single test and is capped at 1', () => {
    expect(benjaminiHochberg([0.03])).toEqual([0.03])
    expect(benjaminiHochberg([0.9, 0.95])).toEqual([0.95, 0.95])
    expect(benjaminiHochberg([])).toEqual([])
  })
})

describe('wilcoxonSignedRank', () => {
  it('matches scipy.stats.wilcoxon on Darwin\'s paired plant heights (exact, p = 0.041259765625)', () => {
    const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]
    const result = wilcoxonSignedRank(d)
    expect(result.method).toBe('exact')
    expect(result.pValue).toBeCloseTo(0.041259765625, 12)
    expect(wilcoxonSignedRank(d.map((x) => -x)).pValue).toBeCloseTo(result.pValue, 12)
  })

  it('smallest p with n pairs all one way is 2 / 2^n: 5 pairs cannot reach 0.05, 6 can', () => {
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5]).pValue).toBeCloseTo(2 / 32, 12)
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5, 6]).pValue).toBeCloseTo(2 / 64, 12)
    expect(smallestPairedPValue(5)).toBeGreaterThan(0.05)
    expect(smallestPairedPValue(6)).toBeLessThan(0.05)
  })

  it('drops zero differences, gives p = 1 with none left, and is exact with tied magnitudes (a full sign enumeration)', () => {
    expect(wilcoxonSignedRank([0, 0, 0])).toEqual({ n: 0, pValue: 1, method: 'exact' })
    const d = [1, -1, 2, 2, -2, 3, 3, 3]
    // brute force over all 2^8 sign patterns of |d|, statistic |W+ − total / 2| on midranks
    const ranks = [1.5, 1.5, 4, 4, 4, 7, 7, 7]
    const total = ranks.reduce((a, b) => a + b, 0)
    const observed = Math.abs(ranks.reduce((sum, r, i) => sum + ((d[i] as number) > 0 ? r : 0), 0) - total / 2)
    let extreme = 0
    for (let mask = 0; mask < 256; mask++) {
      const w = ranks.reduce((sum, r, i) => sum + ((mask >> i) & 1 ? r : 0), 0)
      if (Math.abs(w - total / 2) >= observed - 1e-9) extreme++
    }
    expect(wilcoxonSignedRank([0, ...d]).pValue).toBeCloseTo(extreme / 256, 12)
  })

  it('uses the normal approximation above 40 pairs', () => {
    const d = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (i + 1))
    const result = wilcoxonSignedRank(d)
    expect(result.method).toBe('normal')
    expect(result.pValue).toBeGreaterThan(0)
    expect(result.pValue).toBeLessThan(0.05)
  })
})

describe('pairedMedianRatio', () => {
  it('divides out a swing both sides of every pair share: the ratio and its whole interval are the pairs\' ratio', () => {
    const base = [10, 50, 20, 80, 30, 60]
    const head = base.map((v) => v * 1.1)
    const { ratio, interval } = pairedMedianRatio(base, head, { iterations: 2_000 })
    expect(ratio).toBeCloseTo(1.1, 9)
    expect(interval.lower).toBeCloseTo(1.1, 9)
    expect(interval.upper).toBeCloseTo(1.1, 9)
    // unpaired, the same numbers say nothing
    expect(bootstrapMedianRatio(base, head, { iterations: 2_000 }).lower).toBeLessThan(1)
  })

  it('is the median of the pairs\' ratios, seeded, and refuses sides of different lengths', () => {
    const paired = pairedMedianRatio([1, 2, 4], [2, 2, 2], { iterations: 500 })
    expect(paired.ratio).toBe(1) // ratios 2, 1, 0.5
    expect(pairedMedianRatio([1, 2, 4], [2, 2, 2], { iterations: 500 })).toEqual(paired)
    expect(() => pairedMedianRatio([1, 2], [1])).toThrow(RangeError)
  })
})
