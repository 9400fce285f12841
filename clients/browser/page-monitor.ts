import type { ProcessStats } from '../../core/measures.ts'
import { LatencyRecorder } from '../../core/histogram.ts'
import { nowUs } from './page-clock.ts'

const TICK_MS = 10

/**
 * The page's stand-in for core/process-stats.ts (the page bundle substitutes it). A page cannot read
 * its process's CPU or RSS: those come from /proc in the generator process (browser-cpu.ts), which
 * replaces them. What only the page can see is its main thread's delay: a 10 ms timer's lateness, the
 * browser's analogue of Node's monitorEventLoopDelay.
 */
export class ProcessMonitor {
  private delay = new LatencyRecorder()
  private startUs = nowUs()
  private expectedMs = performance.now() + TICK_MS
  private readonly timer = setInterval(() => {
    const now = performance.now()
    this.delay.record(Math.max(0, now - this.expectedMs) * 1000)
    this.expectedMs = now + TICK_MS
  }, TICK_MS)

  /** Starts a new measuring window. */
  reset (): void {
    this.delay = new LatencyRecorder()
    this.startUs = nowUs()
  }

  /** Main-thread delay since the last reset; CPU and memory are zero here, filled in by the generator process. */
  snapshot (): ProcessStats {
    const h = this.delay.histogram
    const has = h.totalCount > 0
    return {
      cpuUserUs: 0,
      cpuSystemUs: 0,
      rssBytes: 0,
      heapUsedBytes: 0,
      elapsedUs: nowUs() - this.startUs,
      eventLoopDelayP50Us: has ? h.getValueAtPercentile(50) : 0,
      eventLoopDelayP99Us: has ? h.getValueAtPercentile(99) : 0,
      eventLoopDelayMaxUs: has ? h.getValueAtPercentile(100) : 0,
    }
  }

  /** A page cannot read its CPU time: undefined (the generator process reads the browser's from /proc). */
  cpuNowUs (): number | undefined {
    return undefined
  }

  /** Stops the timer. */
  close (): void {
    clearInterval(this.timer)
  }
}
