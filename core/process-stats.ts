import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { ProcessStats } from './measures.ts'
import { nowUs } from './clock.ts'

/** This process's CPU time so far (user + system, every thread), µs. */
export function processCpuUs (): number {
  const cpu = process.cpuUsage()
  return cpu.user + cpu.system
}

// monitorEventLoopDelay's timer period. It records the interval between two runs of its timer, never
// below the period (an idle loop reads ~10.2 ms): the delay is what the interval exceeds it by, the
// same lateness a browser page measures (clients/browser/page-monitor.ts)
const LOOP_DELAY_RESOLUTION_MS = 10

/** Watches this process's CPU time, memory and event-loop delay from a starting point. */
export class ProcessMonitor {
  private startCpu = process.cpuUsage()
  private startUs = nowUs()
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })

  constructor () {
    this.loopDelay.enable()
  }

  /** Starts a new measuring window (CPU, elapsed time and event-loop delay from now). */
  reset (): void {
    this.startCpu = process.cpuUsage()
    this.startUs = nowUs()
    this.loopDelay.reset()
  }

  /** Figures since the last reset; event-loop delay (the timer's lateness) in µs. */
  snapshot (): ProcessStats {
    const cpu = process.cpuUsage(this.startCpu)
    const mem = process.memoryUsage()
    const delayUs = (v: number): number => (Number.isFinite(v) ? Math.max(0, Math.round(v / 1000) - LOOP_DELAY_RESOLUTION_MS * 1000) : 0)
    return {
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      elapsedUs: nowUs() - this.startUs,
      eventLoopDelayP50Us: this.loopDelay.count === 0 ? 0 : delayUs(this.loopDelay.percentile(50)),
      eventLoopDelayP99Us: this.loopDelay.count === 0 ? 0 : delayUs(this.loopDelay.percentile(99)),
      eventLoopDelayMaxUs: this.loopDelay.count === 0 ? 0 : delayUs(this.loopDelay.max),
    }
  }

  /** This process's CPU time so far (user + system), µs; undefined where it cannot be read. */
  cpuNowUs (): number | undefined {
    return processCpuUs()
  }

  /** Stops the event-loop delay timer. */
  close (): void {
    this.loopDelay.disable()
  }
}
