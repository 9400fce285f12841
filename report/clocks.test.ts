import { describe, expect, it } from 'vitest'
import type { RoundResult } from '../results/schema.ts'
import { oneWayNotComparable } from './clocks.ts'

const round = (p50Us: number, clocks?: RoundResult['clocks']): RoundResult =>
  ({ latency: { p50Us }, ...(clocks === undefined ? {} : { clocks }) }) as unknown as RoundResult

describe('one-way figures across hosts', () => {
  it('stand without remote clocks, and while every bound is within 10% of the p50', () => {
    expect(oneWayNotComparable(round(1_000))).toBeNull()
    expect(oneWayNotComparable(round(10_000, [{ worker: 0, offsetUs: -50, boundUs: 1_000 }, { worker: 1, offsetUs: 3, boundUs: 200 }]))).toBeNull()
  })

  it('are not comparable when one generator\'s bound exceeds 10% of the p50, naming the worst', () => {
    expect(oneWayNotComparable(round(10_000, [{ worker: 0, offsetUs: 0, boundUs: 900 }, { worker: 2, offsetUs: -9_000, boundUs: 12_000 }])))
      .toMatch(/^load generator 2's clock is known to ± 12(\.0)? ms, more than 10% of the p50 \(10(\.0)? ms\)$/)
  })
})
