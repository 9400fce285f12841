import { describe, expect, it } from 'vitest'
import { compare } from './compare.ts'
import { buildControlledRun } from './fixtures/compare-runs.ts'
import { renderMarkdown } from './markdown.ts'
import { METRICS } from './metrics.ts'

describe('compare with a test-mode injected slowdown', () => {
  const base = buildControlledRun({ rounds: 6, seed: 1 })
  const slowed = buildControlledRun({ rounds: 6, seed: 2, factors: { p99: 1.3 } })
  const head = { ...slowed, options: { ...slowed.options, injectedDelayUs: 750 } }
  const options = { thresholdPct: 10, metrics: METRICS.map((m) => m.key) }

  it('ignores the injection field in the config check, so the gate can detect the slowdown', () => {
    const c = compare(base, head, options)
    expect(c.hasRegression).toBe(true)
    expect(c.injectedDelayUs).toEqual({ base: 0, head: 750 })
  })

  it('flags it in the markdown summary', () => {
    const markdown = renderMarkdown(compare(base, head, options), { base: 'base.json', head: 'head.json' })
    expect(markdown).toContain('> **Test mode:** head (750 µs per batch) ran with an injected slowdown')
    expect(renderMarkdown(compare(base, base, options), { base: 'a', head: 'b' })).not.toContain('Test mode')
  })
})
