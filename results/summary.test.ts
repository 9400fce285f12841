import { describe, expect, it } from 'vitest'
import { LatencyRecorder, summarizeHistogram } from '../core/histogram.ts'
import { buildSampleResult, seededRandom } from './fixtures/build-sample.ts'
import type { RoundResult } from './schema.ts'
import { medianInterval, mergeRoundHistograms, summarizeRun, summarizeTransport } from './summary.ts'

describe('summary', () => {
  it('merging round histograms with add() equals recording every value into one histogram', () => {
    const rand = seededRandom(9)
    const all = new LatencyRecorder()
    const rounds = [0, 1, 2].map(() => {
      const one = new LatencyRecorder()
      for (let i = 0; i < 5_000; i++) {
        const v = Math.round(50 + rand() * rand() * 200_000)
        one.record(v)
        all.record(v)
      }
      return { histograms: { latency: one.encode() } } as unknown as RoundResult
    })
    const merged = mergeRoundHistograms(rounds, (r) => r.histograms.latency)
    expect(summarizeHistogram(merged)).toEqual(summarizeHistogram(all.histogram))
  })

  it('leaves INVALID rounds out of every figure but lists them with their reasons', () => {
    const result = buildSampleResult({
      rounds: 3,
      transports: ['ws'],
      invalid: [{ scenario: 'fixture-broadcast', transport: 'ws', round: 2, reason: 'load generator saturated' }],
    })
    const summary = summarizeTransport('fixture-broadcast', 'ws', result.rounds)
    const valid = result.rounds.filter((r) => r.scenario === 'fixture-broadcast' && r.status === 'valid')
    expect(summary.validRounds).toBe(2)
    expect(summary.invalidRounds).toEqual([{ scenario: 'fixture-broadcast', transport: 'ws', round: 2, reasons: ['load generator saturated'] }])
    expect(summary.latency).toEqual(summarizeHistogram(mergeRoundHistograms(valid, (r) => r.histograms.latency)))
    expect(summary.counters.received).toBe(valid.reduce((n, r) => n + r.counters.received, 0))
    expect(summary.metrics.p99.n).toBe(2)
    expect(summary.metrics.p99.median).toBe((valid[0]!.latency.p99Us + valid[1]!.latency.p99Us) / 2)
  })

  it('gives no figures, only the invalid list, when every round is INVALID', () => {
    const result = buildSampleResult({
      rounds: 1,
      transports: ['sse'],
      invalid: [{ scenario: 'fixture-chat', transport: 'sse', round: 1, reason: 'rate missed' }],
    })
    const chat = summarizeRun(result).find((s) => s.scenario === 'fixture-chat')!.transports[0]!
    expect(chat.validRounds).toBe(0)
    expect(chat.latency.count).toBe(0)
    expect(chat.metrics.p50.method).toBe('none')
    expect(chat.invalidRounds).toHaveLength(1)
  })

  it('median interval: min..max with its true coverage below 6 values', () => {
    expect(medianInterval([3, 1, 2])).toEqual({ median: 2, lo: 1, hi: 3, n: 3, method: 'min-max', coverage: 0.75 })
    expect(medianInterval([4, 1, 3, 2])).toMatchObject({ median: 2.5, lo: 1, hi: 4, method: 'min-max', coverage: 0.875 })
    expect(medianInterval([7])).toMatchObject({ median: 7, lo: 7, hi: 7, method: 'min-max', coverage: 0 })
    expect(medianInterval([])).toMatchObject({ n: 0, method: 'none' })
  })

  it('median interval: distribution-free order statistics with ≥ 95% coverage from 6 values', () => {
    expect(medianInterval([6, 5, 4, 3, 2, 1])).toMatchObject({ median: 3.5, lo: 1, hi: 6, method: 'order-statistic' })
    expect(medianInterval([6, 5, 4, 3, 2, 1]).coverage).toBeCloseTo(1 - 2 / 64, 10)
    // n = 10: P(B(10, ½) ≤ 1) = 11/1024, so x(2)..x(9) covers 97.9%
    const ten = medianInterval([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    expect(ten).toMatchObject({ lo: 2, hi: 9, method: 'order-statistic' })
    expect(ten.coverage).toBeGreaterThanOrEqual(0.95)
  })

  it('summarizes every scenario and only the transports that ran, in registry order', () => {
    const result = buildSampleResult({ rounds: 1, transports: ['poll', 'ws'] })
    const summaries = summarizeRun(result)
    expect(summaries.map((s) => s.scenario)).toEqual(['fixture-broadcast', 'fixture-chat'])
    expect(summaries[0]!.transports.map((t) => t.transport)).toEqual(['ws', 'poll'])
  })
})
