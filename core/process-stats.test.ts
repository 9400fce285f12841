import { describe, expect, it } from 'vitest'
import { sleep } from './clock.ts'
import { ProcessMonitor } from './process-stats.ts'

describe('ProcessMonitor', () => {
  it('reports event-loop delay as lateness: near 0 for an idle loop, the length of a block for a blocked one', async () => {
    const monitor = new ProcessMonitor()
    try {
      await sleep(300)
      const idle = monitor.snapshot()
      // monitorEventLoopDelay's raw figure for an idle loop is its 10 ms period
      expect(idle.eventLoopDelayP50Us).toBeLessThan(8_000)
      monitor.reset()
      await sleep(50)
      const until = performance.now() + 80
      while (performance.now() < until) { /* block the loop for 80 ms */ }
      await sleep(50)
      const blocked = monitor.snapshot()
      expect(blocked.eventLoopDelayMaxUs).toBeGreaterThanOrEqual(60_000)
      expect(blocked.eventLoopDelayMaxUs).toBeLessThan(1_000_000)
    } finally {
      monitor.close()
    }
  })
})
