import { describe, expect, it } from 'vitest'
import { buildSampleResult } from '../results/fixtures/build-sample.ts'
import { isRunValid, type RoundResult } from '../results/schema.ts'
import { listInvalidRounds, listRerunRounds } from '../results/summary.ts'
import { isRerunnable } from './round-result.ts'

const SATURATED = 'load generator 0 saturated: process CPU (user + system) was 92% of one core, above the 90% limit'

function round (reasons: string[], lost = 0, gapNotified = 0): RoundResult {
  const base = buildSampleResult({ rounds: 1, transports: ['ws'] }).rounds[0] as RoundResult
  return { ...base, status: reasons.length === 0 ? 'valid' : 'invalid', invalidReasons: reasons, counters: { ...base.counters, lost, gapNotified } }
}

describe('a round whose load generator saturated', () => {
  it('is run once more when saturation is its only reason and nothing was lost', () => {
    expect(isRerunnable(round([SATURATED]))).toBe(true)
    expect(isRerunnable(round([SATURATED, 'load generator 1 saturated: event-loop delay p99 was 75.0 ms, above the 50.0 ms limit']))).toBe(true)
  })

  it('is never run again when it lost messages, whatever caused the loss', () => {
    expect(isRerunnable(round([SATURATED, '3 of 100 expected messages never arrived: c0 missed 3 (seq 4, 5, 6)'], 3))).toBe(false)
    expect(isRerunnable(round([SATURATED, '50 messages were gone from the server\'s replay ring on resume (explicit gap)'], 50, 50))).toBe(false)
  })

  it('is not run again for a cause inside the code under test, nor when it was valid', () => {
    expect(isRerunnable(round(['4 connections saw the server restart (epoch changed)']))).toBe(false)
    expect(isRerunnable(round([]))).toBe(false)
  })

  it('keeps the run valid once replaced, and is listed apart from INVALID rounds', () => {
    const result = buildSampleResult({ rounds: 2, transports: ['ws'] })
    const rounds = result.rounds.map((r, i) => i === 0 ? { ...r, status: 'rerun' as const, invalidReasons: [SATURATED] } : r)
    expect(isRunValid(rounds)).toBe(true)
    expect(listRerunRounds({ ...result, rounds })).toHaveLength(1)
    expect(listInvalidRounds({ ...result, rounds })).toHaveLength(0)
    expect(isRunValid(rounds.map((r, i) => i === 1 ? { ...r, status: 'invalid' as const } : r))).toBe(false)
  })
})
