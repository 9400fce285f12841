import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { ProcessStats } from './measures.ts'
import { nowUs } from './clock.ts'

/** This process's CPU time so far (user + system, every thread), µs. */
export function processCpuUs (): number {
  const cpu = process.cpuUsage()
  return cpu.user + cpu.system
}

/** Watches this process's CPU time, memory and event-loop delay from a starting point. */
export class ProcessMonitor {
  private startCpu = process.cpuUsage()
  private startUs = nowUs()
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })

  constructor () {
    this.loopDelay.enable()
  }

  /** Starts a new measuring window (CPU, elapsed time and event-loop delay from now). */
  reset (): void {
    this.startCpu = process.cpuUsage()
    this.startUs = nowUs()
    this.loopDelay.reset()
  }

  /** Figures since the last reset; event-loop delay in µs. */
  snapshot (): ProcessStats {
    const cpu = process.cpuUsage(this.startCpu)
    const mem = process.memoryUsage()
    const ns = (v: number): number => (Number.isFinite(v) ? Math.round(v / 1000) : 0)
    return {
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      elapsedUs: nowUs() - this.startUs,
      eventLoopDelayP50Us: this.loopDelay.count === 0 ? 0 : ns(this.loopDelay.percentile(50)),
      eventLoopDelayP99Us: this.loopDelay.count === 0 ? 0 : ns(this.loopDelay.percentile(99)),
      eventLoopDelayMaxUs: this.loopDelay.count === 0 ? 0 : ns(this.loopDelay.max),
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
