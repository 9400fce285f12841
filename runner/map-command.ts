import type { RunResult } from '../results/schema.ts'
import type { ScenarioConfig } from '../core/config.ts'
import type { BenchOptions } from './cli-options.ts'
import { runMap, type MapInput } from './map.ts'

/** Runs the workload map of `npm run bench -- --map`, saying on stderr what it does and how each point went. */
export async function runMapWithProgress (options: BenchOptions & { map: NonNullable<BenchOptions['map']> }, scenario: ScenarioConfig,
  wire: NonNullable<MapInput['wire']>): Promise<NonNullable<RunResult['map']>> {
  const { ratesPerSec, clients } = options.map
  const minutes = options.maxTimeMs / 60_000
  process.stderr.write(`workload map: ${ratesPerSec.join(', ')} msg/s per client × ${clients.join(', ')} connections × ${options.transports.join(', ')}, ` +
    `${scenario.durationMs} ms windows, network ${options.network.name}, at most ${minutes >= 1 ? `${Number(minutes.toFixed(1))} min` : `${options.maxTimeMs} ms`}\n`)
  return runMap({
    scenario,
    transports: options.transports,
    ratesPerSec,
    clients,
    workers: options.workers,
    network: options.network,
    cpus: options.cpus,
    maxTimeMs: options.maxTimeMs,
    wire,
  }, {
    pointStarted (plan, index, total) {
      process.stderr.write(`[map ${index}/${total}] ${plan.transport} · ${plan.scenario.clients.toLocaleString('en-US')} connections · ${plan.scenario.ratePerSec} msg/s each … `)
    },
    pointFinished (p) {
      const figures = p.serverCpuCores === undefined
        ? ''
        : `server ${(p.serverCpuCores * 100).toFixed(1)} % of a core, ${Math.round((p.downBytesPerSec ?? 0) + (p.upBytesPerSec ?? 0)).toLocaleString('en-US')} B/s, p99 ${((p.p99Us ?? 0) / 1000).toFixed(1)} ms — `
      process.stderr.write(`${figures}${p.status}${p.reasons.length > 0 ? `: ${p.reasons.join('; ')}` : ''}\n`)
    },
  })
}
