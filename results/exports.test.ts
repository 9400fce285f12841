import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { BMF_MEASURES, githubActionBenchmarkPaths, toBencherMetricFormat, toGithubActionBenchmark } from './exports.ts'
import { buildControlledRun } from './fixtures/compare-runs.ts'

// Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format):
// { "<benchmark>": { "<measure>": { "value": n, "lower_value"?: n, "upper_value"?: n } } }
const BmfSchema = Type.Record(Type.String({ minLength: 1 }), Type.Record(Type.String({ minLength: 1 }), Type.Object({
  value: Type.Number(),
  lower_value: Type.Optional(Type.Number()),
  upper_value: Type.Optional(Type.Number()),
}, { additionalProperties: false })))

// github-action-benchmark, tool customSmallerIsBetter / customBiggerIsBetter: a JSON array of entries
const GabFileSchema = Type.Array(Type.Object({
  name: Type.String({ minLength: 1 }),
  unit: Type.String({ minLength: 1 }),
  value: Type.Number(),
  range: Type.Optional(Type.String()),
  extra: Type.Optional(Type.String()),
}, { additionalProperties: false }), { minItems: 1 })

const invalid = [{ scenario: 'fixture-broadcast', transport: 'ws' as const, round: 1, reason: 'load generator saturated' }]
const run = buildControlledRun({ rounds: 4, seed: 3, invalid })

describe('toBencherMetricFormat', () => {
  const bmf = toBencherMetricFormat(run)

  it('validates against the documented BMF shape', () => {
    expect([...Value.Errors(BmfSchema, bmf)]).toEqual([])
  })

  it('has one benchmark per scenario and transport, plus each transport against the first', () => {
    expect(Object.keys(bmf).sort()).toEqual([
      'fixture-broadcast/sse', 'fixture-broadcast/sse-vs-ws', 'fixture-broadcast/ws',
      'fixture-chat/sse', 'fixture-chat/sse-vs-ws', 'fixture-chat/ws',
    ])
    expect(Object.keys(bmf['fixture-chat/ws'] ?? {})).toEqual(Object.values(BMF_MEASURES))
    expect(Object.keys(bmf['fixture-chat/sse-vs-ws'] ?? {})).toContain('latency-p99-us-ratio')
  })

  it('reports the median of valid rounds bounded by their minimum and maximum', () => {
    const valid = run.rounds.filter((r) => r.scenario === 'fixture-broadcast' && r.transport === 'ws' && r.status === 'valid')
    const p50s = valid.map((r) => r.latency.p50Us).sort((a, b) => a - b)
    expect(p50s).toHaveLength(3)
    expect(bmf['fixture-broadcast/ws']?.['latency-p50-us']).toEqual({ value: p50s[1], lower_value: p50s[0], upper_value: p50s[2] })
  })

  it('keeps only the metrics asked for', () => {
    expect(Object.keys(toBencherMetricFormat(run, ['cpu'])['fixture-chat/ws'] ?? {})).toEqual(['server-cpu-us-per-msg'])
  })
})

describe('toGithubActionBenchmark', () => {
  const gab = toGithubActionBenchmark(run)

  it('validates against the customSmallerIsBetter / customBiggerIsBetter shape', () => {
    expect([...Value.Errors(GabFileSchema, gab.smallerIsBetter)]).toEqual([])
    expect([...Value.Errors(GabFileSchema, gab.biggerIsBetter)]).toEqual([])
  })

  it('splits by direction: msg/s is bigger-is-better, latency, bytes and CPU smaller-is-better', () => {
    expect(gab.biggerIsBetter.every((e) => e.name.includes('delivered'))).toBe(true)
    expect(gab.smallerIsBetter.some((e) => e.name.includes('delivered'))).toBe(false)
    expect(gab.smallerIsBetter.map((e) => e.name)).toContain('fixture-chat/ws p99 latency')
    expect(gab.smallerIsBetter.map((e) => e.name)).toContain('fixture-chat/sse vs ws p99 latency ratio')
    const entry = gab.smallerIsBetter.find((e) => e.name === 'fixture-broadcast/ws p50 latency')
    expect(entry).toMatchObject({ unit: 'µs', extra: expect.stringMatching(/^median of 3 valid rounds; min \d+, max \d+$/), range: expect.stringMatching(/^± [\d.]+$/) })
  })

  it('writes FILE.smaller.json and FILE.bigger.json', () => {
    expect(githubActionBenchmarkPaths('out/bench.json')).toEqual({ smaller: 'out/bench.smaller.json', bigger: 'out/bench.bigger.json' })
    expect(githubActionBenchmarkPaths('bench')).toEqual({ smaller: 'bench.smaller.json', bigger: 'bench.bigger.json' })
  })
})
