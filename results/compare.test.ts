import { describe, expect, it } from 'vitest'
import { compare, firstDifference, type CompareRow } from './compare.ts'
import { buildControlledRun } from './fixtures/compare-runs.ts'
import { renderMarkdown } from './markdown.ts'
import { METRICS } from './metrics.ts'
import type { RunResult } from './schema.ts'

const ALL = METRICS.map((m) => m.key)
const SCENARIO = 'fixture-broadcast'

function row (rows: readonly CompareRow[], where: Partial<CompareRow>): CompareRow {
  const found = rows.filter((r) => Object.entries(where).every(([k, v]) => r[k as keyof CompareRow] === v))
  expect(found).toHaveLength(1)
  return found[0] as CompareRow
}

describe('compare', () => {
  it('the same data twice is within noise everywhere and does not fail the gate', () => {
    const run = buildControlledRun({ rounds: 6, seed: 1 })
    const result = compare(run, run, { thresholdPct: 10, metrics: ALL })
    expect(result.hasRegression).toBe(false)
    expect(new Set(result.rows.map((r) => r.verdict))).toEqual(new Set(['within noise']))
    expect(result.rows.every((r) => r.ratio === 1 && r.pValue === 1)).toBe(true)
  })

  it('two runs of one setup with independent ±10% noise do not fail the gate', () => {
    const result = compare(buildControlledRun({ rounds: 6, seed: 1 }), buildControlledRun({ rounds: 6, seed: 2 }), { thresholdPct: 10, metrics: ALL })
    expect(result.rows.filter((r) => r.kind === 'absolute' && r.verdict === 'regression')).toEqual([])
    expect(result.hasRegression).toBe(false)
  })

  it('a cross-transport ratio that worsens is reported but does not fail the gate', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1, noisePct: 2 })
    // ws gets 40% faster, sse stays: sse / ws worsens although nothing regressed
    const head: RunResult = {
      ...base,
      rounds: base.rounds.map((r) => r.transport === 'ws' ? { ...r, latency: { ...r.latency, p50Us: Math.round(r.latency.p50Us * 0.6) } } : r),
    }
    const result = compare(base, head, { thresholdPct: 10, metrics: ['p50'] })
    expect(row(result.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws' }).verdict).toBe('improvement')
    expect(row(result.rows, { kind: 'cross-transport', scenario: SCENARIO, transport: 'sse' }).verdict).toBe('regression')
    expect(result.hasRegression).toBe(false)
  })

  it('an injected +30% p99 with 6 rounds per side is a regression; p50 of the same rounds is not', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1 })
    const head = buildControlledRun({ rounds: 6, seed: 2, factors: { p99: 1.3 } })
    const result = compare(base, head, { thresholdPct: 10, metrics: ALL })
    const p99 = row(result.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'sse', metric: 'p99' })
    expect(p99.verdict).toBe('regression')
    expect(p99.changePct).toBeGreaterThan(15)
    expect(p99.pValue).toBeLessThan(0.05)
    expect(p99.interval?.lower).toBeGreaterThan(1)
    const markdown = renderMarkdown(result, { base: 'base.json', head: 'head.json' })
    expect(markdown).toMatch(/^## feedbench compare: REGRESSION\n/)
    expect(markdown).toMatch(/\| sse \| p99 latency \(µs\) \| [\d,]+ \| [\d,]+ \| \+\d+\.\d% \| [\d.]+ – [\d.]+ \| 0\.00\d \| 0\.0\d\d \| 6 \/ 6 \| \*\*regression\*\* \|/)
    expect(p99.qValue).toBeLessThan(0.05)
    expect(row(result.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'sse', metric: 'p50' }).verdict).toBe('within noise')
    expect(result.hasRegression).toBe(true)
  })

  it('adjusts p for the rows compared at once: one row of 20 at p = 0.026 in pure noise does not fail the gate', () => {
    // seeds found by search: identical setups, ±30% noise; chat/sse CPU differs by chance
    const result = compare(buildControlledRun({ rounds: 6, seed: 1, noisePct: 30 }), buildControlledRun({ rounds: 6, seed: 3, noisePct: 30 }), { thresholdPct: 10, metrics: ALL })
    const cpu = row(result.rows, { kind: 'absolute', scenario: 'fixture-chat', transport: 'sse', metric: 'cpu' })
    // unadjusted, this row would pass all three tests: p < 0.05, interval beyond 1, +37% beyond the threshold
    expect(cpu.pValue).toBeCloseTo(0.026, 3)
    expect(cpu.interval?.lower).toBeGreaterThan(1)
    expect(cpu.changePct).toBeGreaterThan(30)
    // Benjamini-Hochberg over the 20 absolute rows: q = min over k >= its rank of p(k) · 20 / k = 0.26
    expect(result.rows.filter((r) => r.kind === 'absolute')).toHaveLength(20)
    expect(cpu.qValue).toBeCloseTo(0.026 * 20 / 2, 2)
    expect(cpu.verdict).toBe('within noise')
    expect(result.hasRegression).toBe(false)
  })

  it('an injected +5% p99 stays within noise with a 10% threshold', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1, noisePct: 1 })
    const head = buildControlledRun({ rounds: 6, seed: 2, noisePct: 1, factors: { p99: 1.05 } })
    const result = compare(base, head, { thresholdPct: 10, metrics: ['p99'] })
    const p99 = row(result.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws', metric: 'p99' })
    expect(p99.pValue).toBeLessThan(0.05) // significant, yet below the threshold
    expect(p99.verdict).toBe('within noise')
    expect(result.hasRegression).toBe(false)
  })

  it('reads direction from the metric: fewer msg/s is a regression, more is an improvement', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1, noisePct: 2 })
    const slower = compare(base, buildControlledRun({ rounds: 6, seed: 2, noisePct: 2, factors: { msgs: 0.7 } }), { thresholdPct: 10, metrics: ['msgs'] })
    expect(row(slower.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws' }).verdict).toBe('regression')
    const faster = compare(base, buildControlledRun({ rounds: 6, seed: 2, noisePct: 2, factors: { p50: 0.7, p99: 0.7 } }), { thresholdPct: 10, metrics: ['p50'] })
    expect(row(faster.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws' }).verdict).toBe('improvement')
    expect(faster.hasRegression).toBe(false)
  })

  it('3 rounds per side can never be significant: rows say insufficient rounds and the gate passes', () => {
    const result = compare(buildControlledRun({ rounds: 3, seed: 1 }), buildControlledRun({ rounds: 3, seed: 2, factors: { p99: 2 } }), { thresholdPct: 10, metrics: ['p99'] })
    expect(new Set(result.rows.map((r) => r.verdict))).toEqual(new Set(['insufficient rounds']))
    expect(result.rows[0]?.pValue).toBeCloseTo(0.1, 12)
    expect(result.hasRegression).toBe(false)
  })

  it('leaves invalid rounds out and reports them', () => {
    const invalid = [{ scenario: SCENARIO, transport: 'ws' as const, round: 2, reason: 'load generator saturated' }]
    const base = buildControlledRun({ rounds: 6, seed: 1 })
    const head = buildControlledRun({ rounds: 6, seed: 2, invalid })
    const result = compare(base, head, { thresholdPct: 10, metrics: ['p50'] })
    const ws = row(result.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws' })
    expect([ws.baseRounds, ws.headRounds]).toEqual([6, 5])
    expect(row(result.rows, { kind: 'cross-transport', scenario: SCENARIO, transport: 'sse' }).headRounds).toBe(5)
    expect(result.excludedRounds).toEqual([{ side: 'head', scenario: SCENARIO, transport: 'ws', round: 2, reasons: ['load generator saturated'] }])
    expect(renderMarkdown(result, { base: 'b', head: 'h' })).toContain('load generator saturated')
  })

  it('compares each transport to the first transport round by round', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1 })
    const result = compare(base, base, { thresholdPct: 10, metrics: ['p50'] })
    const cross = row(result.rows, { kind: 'cross-transport', scenario: SCENARIO, transport: 'sse' })
    expect(cross.reference).toBe('ws')
    expect(cross.unit).toBe('×')
    expect(cross.baseMedian).toBeGreaterThan(0.9)
    expect(cross.baseMedian).toBeLessThan(1.4)
    expect(result.rows.some((r) => r.kind === 'cross-transport' && r.transport === 'ws')).toBe(false)
  })

  it('refuses runs whose configs differ, naming the key path and both values', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1 })
    const head: RunResult = { ...base, scenarios: base.scenarios.map((s) => s.name === SCENARIO ? { ...s, payloadBytes: 1024 } : s) }
    expect(() => compare(base, head, { thresholdPct: 10, metrics: ALL })).toThrow(expect.objectContaining({
      code: 'BENCH_ERR_CONFIG_MISMATCH',
      message: expect.stringContaining(`scenarios[${SCENARIO}].payloadBytes is 128 in base and 1024 in head`),
    }))
    const fewer = buildControlledRun({ rounds: 6, seed: 1, transports: ['ws'] })
    expect(() => compare(base, fewer, { thresholdPct: 10, metrics: ALL })).toThrow(/options\.transports\[1\] is "sse" in base and absent in head|options\.transports is/)
  })

  it('refuses runs over different TLS or HTTP versions, naming the key; a file without them is plain HTTP/1.1', () => {
    const plain = buildControlledRun({ rounds: 6, seed: 1 })
    const over = (tls: boolean, httpVersion: '1.1' | '2'): RunResult => ({ ...plain, options: { ...plain.options, tls, httpVersion } })
    const options = { thresholdPct: 10, metrics: ALL }
    expect(() => compare(plain, over(true, '1.1'), options)).toThrow(expect.objectContaining({
      code: 'BENCH_ERR_CONFIG_MISMATCH',
      message: 'Cannot compare runs with different configs: options.tls is false in base and true in head',
    }))
    expect(() => compare(over(true, '1.1'), over(true, '2'), options)).toThrow('options.httpVersion is "1.1" in base and "2" in head')
    expect(compare(plain, over(false, '1.1'), options).rows.length).toBeGreaterThan(0)
  })

  it('refuses to compare node clients with chromium clients, naming options.clientsIn (absent counts as node)', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1 })
    const head: RunResult = { ...base, options: { ...base.options, clientsIn: 'chromium' } }
    expect(() => compare(base, head, { thresholdPct: 10, metrics: ALL })).toThrow(expect.objectContaining({
      code: 'BENCH_ERR_CONFIG_MISMATCH',
      message: 'Cannot compare runs with different configs: options.clientsIn is "node" in base and "chromium" in head',
    }))
    expect(() => compare(base, { ...base, options: { ...base.options, clientsIn: 'node' } }, { thresholdPct: 10, metrics: ALL })).not.toThrow()
  })
})

describe('schedule of base and head', () => {
  it('says base and head ran interleaved only when both sides carry the same ABBA order', () => {
    const base = buildControlledRun({ rounds: 6, seed: 1 })
    const head = buildControlledRun({ rounds: 6, seed: 2 })
    const interleave = (run: RunResult, side: 'base' | 'head', order: string): RunResult => ({ ...run, options: { ...run.options, interleaved: { side, order } } })
    const options = { thresholdPct: 10, metrics: ALL }
    const both = compare(interleave(base, 'base', 'ABBAAB'), interleave(head, 'head', 'ABBAAB'), options)
    expect(both.interleavedOrder).toBe('ABBAAB')
    expect(renderMarkdown(both, { base: 'b', head: 'h' })).toContain('ran interleaved round by round on one machine (`npm run bench:ab`, order ABBAAB')
    expect(compare(base, head, options).interleavedOrder).toBeNull()
    expect(renderMarkdown(compare(base, head, options), { base: 'b', head: 'h' })).toContain('were not run interleaved round by round')
    // two heads, or orders from different pairings, are not one interleaved pair
    expect(compare(interleave(base, 'head', 'ABBA'), interleave(head, 'head', 'ABBA'), options).interleavedOrder).toBeNull()
    expect(compare(interleave(base, 'base', 'ABBA'), interleave(head, 'head', 'ABBAAB'), options).interleavedOrder).toBeNull()
  })
})

describe('firstDifference', () => {
  it('walks objects depth first and names nested keys and array indices', () => {
    expect(firstDifference({ a: { b: [1, 2] } }, { a: { b: [1, 3] } }, 'x')).toEqual({ path: 'x.a.b[1]', base: '2', head: '3' })
    expect(firstDifference({ a: 1 }, { a: 1, c: true }, 'x')).toEqual({ path: 'x.c', base: 'absent', head: 'true' })
    expect(firstDifference({ a: 1 }, { a: 1 }, 'x')).toBeUndefined()
  })
})

describe('interleaved runs are compared pair by pair', () => {
  // round k of base and round k of head share the machine's state then: a swing of ±30% from round to round
  const swing = (round: number): number => 1 + 0.3 * Math.sin(round * 2.1)
  function shaped (seed: number, side: 'base' | 'head', cpuFactor: number, isInterleaved: boolean): RunResult {
    const run = buildControlledRun({ rounds: 8, seed, noisePct: 1 })
    return {
      ...run,
      options: { ...run.options, ...(isInterleaved ? { interleaved: { side, order: 'ABBAABBAABBAABBA' } } : {}) },
      rounds: run.rounds.map((r) => ({ ...r, server: { ...r.server, cpuUsPerMessage: r.server.cpuUsPerMessage * swing(r.round) * cpuFactor } })),
    }
  }

  it('+10% CPU under a ±30% swing both sides of each pair share: a regression pair by pair, noise when the rounds are not paired', () => {
    const paired = compare(shaped(1, 'base', 1, true), shaped(2, 'head', 1.1, true), { thresholdPct: 5, metrics: ['cpu'] })
    const cpu = row(paired.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws', metric: 'cpu' })
    expect(cpu.paired).toBe(true)
    expect(cpu.baseRounds).toBe(8)
    expect(cpu.pValue).toBeCloseTo(2 / 256, 12) // every pair one way: the smallest p of 8 pairs
    expect(cpu.interval?.lower).toBeGreaterThan(1)
    expect(cpu.verdict).toBe('regression')
    expect(paired.hasRegression).toBe(true)
    const unpaired = compare(shaped(1, 'base', 1, false), shaped(2, 'head', 1.1, false), { thresholdPct: 5, metrics: ['cpu'] })
    const same = row(unpaired.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws', metric: 'cpu' })
    expect(same.paired).toBe(false)
    expect(same.verdict).toBe('within noise')
  })

  it('pairs only rounds valid on both sides, and says so in the counts', () => {
    const base = shaped(1, 'base', 1, true)
    const head = shaped(2, 'head', 1, true)
    const oneInvalid: RunResult = { ...head, rounds: head.rounds.map((r) => r.transport === 'ws' && r.round === 3 ? { ...r, status: 'invalid' as const, invalidReasons: ['test'] } : r) }
    const result = compare(base, oneInvalid, { thresholdPct: 5, metrics: ['cpu'] })
    const cpu = row(result.rows, { kind: 'absolute', scenario: SCENARIO, transport: 'ws', metric: 'cpu' })
    expect([cpu.baseRounds, cpu.headRounds]).toEqual([7, 7])
    expect(cpu.verdict).toBe('within noise')
  })
})
