import type { ProcessStats } from '../core/control.ts'

/** Thresholds past which a load generator's own figures cannot be trusted. */
export const SATURATION_LIMITS = {
  eventLoopDelayP99Us: 50_000, // 50 ms
  cpuShareOfOneCore: 0.9, // (user + system) / elapsed
  upstreamLagP99Us: 100_000, // 100 ms behind the open-loop schedule
} as const

/**
 * Why this load generator was the bottleneck, one readable sentence per reason with the measured
 * figure and the threshold; empty when it kept up. `upstreamLagP99Us` is undefined when it sent nothing; `readerCuts`
 * counts slow-consumer cuts of clients that were not frozen on purpose.
 */
export function saturationReasons (stats: ProcessStats, upstreamLagP99Us: number | undefined, readerCuts = 0): string[] {
  const reasons: string[] = []
  // a client that was reading but fell a whole send buffer behind: the server had the messages, this
  // process did not take them fast enough. Its event loop and CPU figures may look calm over the whole
  // run, because cut clients wait to reconnect; the cut is the direct evidence, whichever signal comes first.
  if (readerCuts > 0) {
    reasons.push(`the server cut ${readerCuts} of its connections as slow consumers although they were reading: this process did not read as fast as the server sent`)
  }
  if (stats.eventLoopDelayP99Us > SATURATION_LIMITS.eventLoopDelayP99Us) {
    reasons.push(`event-loop delay p99 was ${ms(stats.eventLoopDelayP99Us)} ms, above the ${ms(SATURATION_LIMITS.eventLoopDelayP99Us)} ms limit`)
  }
  const cpuShare = stats.elapsedUs > 0 ? (stats.cpuUserUs + stats.cpuSystemUs) / stats.elapsedUs : 0
  if (cpuShare > SATURATION_LIMITS.cpuShareOfOneCore) {
    reasons.push(`process CPU (user + system) was ${pct(cpuShare)}% of one core, above the ${pct(SATURATION_LIMITS.cpuShareOfOneCore)}% limit`)
  }
  if (upstreamLagP99Us !== undefined && upstreamLagP99Us > SATURATION_LIMITS.upstreamLagP99Us) {
    reasons.push(`upstream sends lagged their schedule by ${ms(upstreamLagP99Us)} ms at p99, above the ${ms(SATURATION_LIMITS.upstreamLagP99Us)} ms limit`)
  }
  return reasons
}

function ms (us: number): string {
  return (us / 1000).toFixed(1)
}

function pct (share: number): string {
  return (share * 100).toFixed(0)
}
