import { describe, expect, it } from 'vitest'
import { renderVariants } from '../report/variant-claims.ts'
import { buildSampleResult } from './fixtures/build-sample.ts'
import type { RunResult } from './schema.ts'
import { compareVariants } from './variants.ts'

function over (tls: boolean, httpVersion: '1.1' | '2', seed: number): RunResult {
  const run = buildSampleResult({ seed, transports: ['ws', 'sse'] })
  const skipped = httpVersion === '2' ? run.scenarios.map((s) => ({ scenario: s.name, transport: 'ws' as const, reason: 'ws stays on HTTP/1.1' })) : []
  return {
    ...run,
    runId: `run-${seed}`,
    options: { ...run.options, tls, httpVersion },
    rounds: httpVersion === '2' ? run.rounds.filter((r) => r.transport !== 'ws') : run.rounds,
    ...(skipped.length > 0 ? { skipped } : {}),
  }
}

describe('runs over different wires, side by side', () => {
  it('puts each (scenario, transport) over every variant in one row, with memory per connection or why not, and n/a once per reason', () => {
    const comparison = compareVariants([over(false, '1.1', 1), over(true, '1.1', 2), over(true, '2', 3)])
    const ws = comparison.rows.find((r) => r.transport === 'ws')
    expect(ws?.cells.map((c) => 'figures' in c)).toEqual([true, true, false])
    const sse = comparison.rows.find((r) => r.transport === 'sse')
    for (const cell of sse?.cells ?? []) {
      if (!('figures' in cell)) throw new Error('sse must be measured over every variant')
      // the fixture's rounds have 20 clients: below 1,000 connections memory is never a figure
      expect(cell.figures.memoryPerConnection).toEqual({ measured: false, reason: 'not measured: too few connections' })
    }
    const text = renderVariants(comparison)
    expect(text).toContain('memory/conn')
    expect(text).toMatch(/HTTP\/2 \+ TLS +n\/a \(1\)\n/)
    expect(text.match(/n\/a \(1\): ws stays on HTTP\/1\.1/g)).toHaveLength(1)
  })

  it('refuses two runs over the same variant, naming it', () => {
    expect(() => compareVariants([over(false, '1.1', 1), over(false, '1.1', 2)])).toThrow(/HTTP\/1\.1 in run run-1/)
  })
})
