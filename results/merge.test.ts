import { describe, expect, it } from 'vitest'
import { buildSampleResult, SAMPLE_SCENARIOS } from './fixtures/build-sample.ts'
import { mergeRuns } from './merge.ts'
import { assertRunResult } from './store.ts'

const ONE_ROUND = { rounds: 1, samplesPerRound: 10, scenarios: SAMPLE_SCENARIOS.slice(0, 1) }

describe('mergeRuns', () => {
  it('turns one-round runs into rounds 1..N of one run, in the order given, keeping every round', () => {
    const runs = [1, 2, 3].map((i) => ({ ...buildSampleResult({ ...ONE_ROUND, transports: ['ws', 'sse'], seed: i }), runId: `run-${i}` }))
    const merged = mergeRuns(runs, 'merged-head', { side: 'head', order: 'ABBAAB' })
    assertRunResult(merged, 'merged')
    expect(merged.runId).toBe('merged-head')
    expect(merged.options.rounds).toBe(3)
    expect(merged.options.interleaved).toEqual({ side: 'head', order: 'ABBAAB' })
    expect(merged.rounds).toHaveLength(6)
    for (const transport of ['ws', 'sse']) {
      const rounds = merged.rounds.filter((r) => r.transport === transport)
      expect(rounds.map((r) => r.round)).toEqual([1, 2, 3])
      // the k-th merged round is the k-th run's round, histograms and all
      expect(rounds.map((r) => r.histograms.latency)).toEqual(runs.map((run) => run.rounds.find((r) => r.transport === transport)?.histograms.latency))
    }
    // execution order counts on across runs: every position once
    expect(merged.rounds.map((r) => r.order).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6])
    expect(merged.environment.startedAt).toBe(runs[0]?.environment.startedAt)
    expect(merged.environment.endedAt).toBe(runs[2]?.environment.endedAt)
  })

  it('is invalid when any merged round is invalid', () => {
    const good = buildSampleResult({ ...ONE_ROUND, transports: ['ws', 'sse'] })
    const bad = buildSampleResult({ ...ONE_ROUND, transports: ['ws', 'sse'], invalid: [{ scenario: good.scenarios[0]?.name ?? '', transport: 'sse', round: 1, reason: 'saturated' }] })
    const merged = mergeRuns([good, bad], 'm', { side: 'base', order: 'AB' })
    expect(merged.valid).toBe(false)
    expect(merged.rounds.filter((r) => r.status === 'invalid').map((r) => [r.transport, r.round])).toEqual([['sse', 2]])
  })

  it('refuses runs whose options, scenarios or commit differ, naming the key and both values', () => {
    const a = buildSampleResult({ ...ONE_ROUND, transports: ['ws', 'sse'] })
    const workers = { ...a, runId: 'other', options: { ...a.options, workers: 2 } }
    expect(() => mergeRuns([a, workers], 'm', { side: 'base', order: 'AB' }))
      .toThrow('Cannot merge run other with the others: options.workers is 2 (expected 1, as in the first run)')
    const scenarios = a.scenarios.map((s) => ({ ...s, payloadBytes: s.payloadBytes + 1 }))
    expect(() => mergeRuns([a, { ...a, runId: 'p', scenarios }], 'm', { side: 'base', order: 'AB' })).toThrow(/scenarios\[0\]\.payloadBytes/)
    const commit = { ...a, runId: 'c', environment: { ...a.environment, gitCommit: 'f'.repeat(40) } }
    expect(() => mergeRuns([a, commit], 'm', { side: 'base', order: 'AB' })).toThrow(/environment\.gitCommit/)
  })

  it('refuses runs with client ramps and an empty list', () => {
    const a = buildSampleResult({ ...ONE_ROUND, transports: ['ws', 'sse'] })
    const ramped = { ...a, ramps: [{ scenario: 'x', transport: 'ws' as const, p99LimitUs: 1, maxClientsUnderLimit: null, steps: [] }] }
    expect(() => mergeRuns([a, ramped], 'm', { side: 'head', order: 'AB' })).toThrow(/ramps is 1 client ramps/)
    expect(() => mergeRuns([], 'm', { side: 'head', order: '' })).toThrow('the list of runs is empty')
  })
})
