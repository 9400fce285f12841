import { describe, expect, it } from 'vitest'
import { mulberry32, pollPhaseMs, unitHash } from './random.ts'

describe('random', () => {
  it('mulberry32 gives the same sequence for the same seed', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    expect([a(), a(), a()]).toEqual([b(), b(), b()])
  })

  it('unitHash is stable and in [0, 1)', () => {
    expect(unitHash('c17')).toBe(unitHash('c17'))
    for (const text of ['', 'c0', 'c1', 'l3-c999', 'x'.repeat(200)]) {
      expect(unitHash(text)).toBeGreaterThanOrEqual(0)
      expect(unitHash(text)).toBeLessThan(1)
    }
  })

  it('pollPhaseMs spreads the run\'s client ids evenly over the interval', () => {
    const intervalMs = 100
    const deciles = new Array<number>(10).fill(0)
    for (let i = 0; i < 1_000; i++) {
      const phase = pollPhaseMs(`c${i}`, intervalMs)
      expect(phase).toBeGreaterThanOrEqual(0)
      expect(phase).toBeLessThan(intervalMs)
      deciles[Math.floor(phase / 10)]!++
    }
    // 1,000 ids, 10 bins: each holds 100 ± a few dozen, none is empty or crowded
    for (const count of deciles) expect(count).toBeGreaterThan(60)
    for (const count of deciles) expect(count).toBeLessThan(140)
    expect(pollPhaseMs('c0', 0)).toBe(0)
  })
})
