import { describe, expect, it } from 'vitest'
import type { ProcessStats } from '../core/control.ts'
import { saturationReasons } from './saturation.ts'

const calm: ProcessStats = {
  cpuUserUs: 300_000,
  cpuSystemUs: 100_000,
  rssBytes: 1,
  heapUsedBytes: 1,
  elapsedUs: 1_000_000,
  eventLoopDelayP50Us: 1_000,
  eventLoopDelayP99Us: 20_000,
  eventLoopDelayMaxUs: 30_000,
}

describe('saturationReasons', () => {
  it('trusts a generator below every limit', () => {
    expect(saturationReasons(calm, 5_000)).toEqual([])
    expect(saturationReasons(calm, undefined)).toEqual([])
  })

  it('names each exceeded limit with the measured figure and the threshold', () => {
    const busy = { ...calm, cpuUserUs: 800_000, cpuSystemUs: 150_000, eventLoopDelayP99Us: 75_000 }
    expect(saturationReasons(busy, 250_000)).toEqual([
      'event-loop delay p99 was 75.0 ms, above the 50.0 ms limit',
      'process CPU (user + system) was 95% of one core, above the 90% limit',
      'upstream sends lagged their schedule by 250.0 ms at p99, above the 100.0 ms limit',
    ])
  })

  it('names slow-consumer cuts of reading clients first, even when the whole-run CPU and loop delay look calm', () => {
    const reasons = saturationReasons(calm, undefined, 40)
    expect(reasons).toEqual(['the server cut 40 of its connections as slow consumers although they were reading: this process did not read as fast as the server sent'])
    const busy = { ...calm, eventLoopDelayP99Us: 75_000 }
    expect(saturationReasons(busy, undefined, 3)[0]).toMatch(/^the server cut 3 of its connections/)
  })
})
