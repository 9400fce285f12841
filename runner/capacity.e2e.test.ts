import { describe, expect, it } from 'vitest'
import { Value } from '@sinclair/typebox/value'
import { loadScenario } from '../scenarios/catalog.ts'
import { CapacityResultSchema } from '../results/schema.ts'
import { runCapacity } from './capacity.ts'
import { NETWORK_PROFILES } from './network-profiles.ts'

describe('npm run bench -- --capacity', () => {
  it('raises the rate step by step with real rounds, keeps every step, and stops at its time budget saying so', async () => {
    const scenario = loadScenario('ticker', { clients: 2, ratePerSec: 50, durationMs: 300, warmupMs: 100, drainMs: 500, slo: { p99Ms: 60_000 } })
    const seen: number[] = []
    const [result] = await runCapacity({ scenarios: [scenario], transports: ['ws'], rounds: 1, workers: 1, target: null, network: NETWORK_PROFILES.loopback },
      { maxTimeMs: 5_000 }, { stepStarted: (_plan, load) => seen.push(load) })
    expect(result).toBeDefined()
    if (result === undefined) return
    expect(Value.Errors(CapacityResultSchema, result).First()).toBeUndefined()
    expect(result.dimension).toBe('ratePerSec')
    expect(result.steps.map((s) => s.load)).toEqual(seen)
    expect(seen[0]).toBe(50)
    // each passing step doubles the load until the first failure
    for (let i = 1; i < seen.length && result.steps[i - 1]?.status === 'passed' && !result.steps.slice(0, i).some((s) => s.status === 'failed'); i++) {
      expect(seen[i]).toBe((seen[i - 1] as number) * 2)
    }
    for (const s of result.steps) {
      expect(s.clients).toBe(2)
      expect(s.reasons.length === 0).toBe(s.status === 'passed')
      if (s.p99Us !== undefined) expect(s.deliveredPerSec).toBeGreaterThan(0)
    }
    // 5 s cannot hold a search from 50 msg/s to a failure at 2 clients: the budget ends it, and says so
    expect(result.timeCapHit || result.endedBy.limit !== 'max-time').toBe(true)
    if (result.endedBy.limit === 'max-time') expect(result.endedBy.detail).toMatch(/--max-time/)
    const passed = result.steps.filter((s) => s.status === 'passed')
    if (passed.length >= 2 && result.projection !== null) expect(result.projection.fromLoads[0]).toBe(passed[0]?.load)
  }, 60_000)
})
