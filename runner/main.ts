import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import { EXIT, runCommand } from '../core/command.ts'
import type { ScenarioConfig } from '../core/config.ts'
import { variantLabel } from '../core/wire-variant.ts'
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './cli-options.ts'
import { browserLayoutOf, loadScenario, notApplicableTo } from '../scenarios/catalog.ts'
import { makeCertificate, type TlsCertificate } from '../servers/certificate.ts'
import { checkClientsIn, checkMachineLimits, checkTarget } from './preflight.ts'
import { startCoordinator, type Coordinator } from './coordinator.ts'
import { runRamps } from './ramp.ts'
import { loadDimensionOf, runCapacity } from './capacity.ts'
import { listSkipped, planRounds, runPlans, wireOf } from './suite.ts'
import { atPoint, mapScenario } from './map.ts'
import { runMapWithProgress } from './map-command.ts'
import { isRunValid, SCHEMA_VERSION, type RunResult } from '../results/schema.ts'
import { collectEnvironment } from '../results/environment.ts'
import { writeResult } from '../results/store.ts'
import { renderReport } from '../report/render.ts'
import { renderTerminalSummary } from '../report/terminal.ts'

async function main (): Promise<number> {
  const options = parseBenchArgs(process.argv.slice(2))
  if (options.help) {
    process.stdout.write(BENCH_USAGE + '\n')
    return EXIT.ok
  }
  // the map runs its own workload at every (connections, rate) point
  const scenarios = options.map === null ? options.scenarios.map((name) => loadScenario(name, options.overrides)) : [mapScenario(options.overrides)]
  if (options.map !== null) checkMachineLimits(options.map.clients.map((c) => atPoint(scenarios[0] ?? mapScenario(), c, 1)))
  // a --capacity search needs a load to raise: refused before any load
  if (options.capacity) for (const s of scenarios) loadDimensionOf(s)
  // a capacity search raises clients itself, up to what the machine allows
  // remote generators hold the connections on their own hosts
  if (!options.capacity && options.map === null && options.remoteLoadgens === null) checkMachineLimits(scenarios)
  checkClientsIn(options.clientsIn)
  if (options.target !== null) await checkTarget(options.target, scenarios, options.transports)

  if (options.injectedDelayUs > 0) {
    process.stderr.write(`TEST MODE: the server delays every published batch by ${options.injectedDelayUs} µs (--inject-delay-us); this run measures the CI gate, not the transports\n`)
  }
  // made before any load, removed when the run ends: the key never outlives the run
  const made = options.variant.tls ? await makeCertificate() : undefined
  const coordinator = options.remoteLoadgens === null ? undefined : await startCoordinator(options.remoteLoadgens)
  try {
    if (coordinator !== undefined && options.remoteLoadgens !== null) {
      process.stderr.write(`coordinator: waiting up to ${options.remoteLoadgens.waitMs / 1000} s for ${options.remoteLoadgens.loadgens} load generators on ${coordinator.url}\n`)
      await coordinator.waitForAll(options.remoteLoadgens.waitMs)
    }
    return await runBench(options, scenarios, made, coordinator)
  } finally {
    await coordinator?.close()
    made?.remove()
  }
}

/** Runs the rounds, ramps or capacity searches, writes the result and the report, and returns the exit code. */
async function runBench (options: BenchOptions, scenarios: ScenarioConfig[], made: TlsCertificate | undefined, coordinator: Coordinator | undefined): Promise<number> {
  const startedAt = new Date()
  const { variant } = options
  const input = {
    ...options,
    scenarios,
    notApplicable: Object.fromEntries(scenarios.map((s, i) => [s.name, notApplicableTo(options.scenarios[i] ?? s.name)])),
    browserLayouts: Object.fromEntries(scenarios.map((s, i) => [s.name, browserLayoutOf(options.scenarios[i] ?? s.name)])),
    ...(made === undefined ? {} : { certificate: { dir: made.dir, certPem: made.certPem } }),
    ...(coordinator === undefined ? {} : { remote: coordinator }),
  }
  const skipped = options.map === null ? listSkipped(input) : []
  const plans = planRounds(input)
  const showProgress = process.stderr.isTTY === true
  const t0 = performance.now()
  if (options.capacity) {
    const m = Math.round(options.maxTimeMs / 60_000)
    process.stderr.write(`capacity search: ${scenarios.map((s) => s.name).join(', ')} × ${options.transports.join(', ')}, at most ${m >= 1 ? `${m} min` : `${options.maxTimeMs} ms`}\n`)
  }
  const map = options.map === null ? undefined : await runMapWithProgress({ ...options, map: options.map }, scenarios[0] ?? mapScenario(), wireOf(input))
  const rounds = options.capacity || map !== undefined
    ? []
    : await runPlans(plans, {
      roundStarted (plan, total) {
        if (showProgress) process.stderr.write(`[${plan.order}/${total}] ${plan.scenario.name} · ${plan.transport} · ${variantLabel(variant)} · round ${plan.round} … `)
      },
      roundFinished (r) {
        if (!showProgress) return
        const elapsed = ((performance.now() - t0) / 1000).toFixed(0)
        const status = r.status === 'valid' ? 'ok' : `${r.status === 'rerun' ? 'run once more' : 'INVALID'}: ${r.invalidReasons.join('; ')}`
        process.stderr.write(`p50 ${r.latency.p50Us} µs, p99 ${r.latency.p99Us} µs, ${r.deliveredPerSec.toFixed(0)} msg/s, lost ${r.counters.lost} — ${status} (${elapsed} s)\n`)
      },
    })
  const capacity = !options.capacity
    ? []
    : await runCapacity(input, { maxTimeMs: options.maxTimeMs, cpus: options.cpus }, {
      stepStarted (plan, load, dimension) {
        const what = dimension === 'clients' ? `${load.toLocaleString('en-US')} clients` : `${load.toLocaleString('en-US')} msg/s × ${plan.scenario.clients} clients`
        process.stderr.write(`[capacity] ${plan.scenario.name} · ${plan.transport} · ${what} … `)
      },
      stepFinished (_transport, step) {
        const cpu = step.serverCpuCores === undefined ? '' : `server ${(step.serverCpuCores * 100).toFixed(0)} % of a core, generator ${((step.loadgenCpuCores ?? 0) * 100).toFixed(0)} %, `
        const figures = step.p99Us === undefined ? '' : `p99 ${(step.p99Us / 1000).toFixed(1)} ms, ${Math.round(step.deliveredPerSec ?? 0).toLocaleString('en-US')} deliveries/s, ${cpu}`
        process.stderr.write(`${figures}${step.status}${step.reasons.length > 0 ? `: ${step.reasons.join('; ')}` : ''}\n`)
      },
    })
  const ramps = options.capacity || map !== undefined
    ? []
    : await runRamps(input, options.quick, {
      stepStarted (plan) {
        if (showProgress) process.stderr.write(`[ramp] ${plan.scenario.name} · ${plan.transport} · ${plan.scenario.clients} clients … `)
      },
      stepFinished (_transport, step) {
        if (!showProgress) return
        const figures = step.p99Us === undefined ? '' : `p99 ${step.p99Us} µs, ${step.connectRatePerSec?.toFixed(0) ?? '?'} connects/s, `
        process.stderr.write(`${figures}${step.status}${step.reasons.length > 0 ? `: ${step.reasons.join('; ')}` : ''}\n`)
      },
    })
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    runId: `${startedAt.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`,
    environment: collectEnvironment(startedAt, new Date()),
    options: {
      rounds: options.rounds,
      workers: options.workers,
      quick: options.quick,
      target: options.target,
      transports: [...options.transports],
      tls: variant.tls,
      httpVersion: variant.httpVersion,
      ...(options.profile === null ? {} : { profile: options.profile }),
      ...(options.injectedDelayUs > 0 ? { injectedDelayUs: options.injectedDelayUs } : {}),
      cpus: options.cpus,
      ...(options.network.name === 'loopback' ? {} : { network: { ...options.network } }),
      ...(options.clientsIn === 'node' ? {} : { clientsIn: options.clientsIn }),
      ...(options.remoteLoadgens === null ? {} : { remoteLoadgens: options.remoteLoadgens.loadgens }),
    },
    scenarios,
    rounds,
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(ramps.length > 0 ? { ramps } : {}),
    ...(capacity.length > 0 ? { capacity } : {}),
    ...(map === undefined ? {} : { map }),
    // a ramp is meant to end at a failed step: that is its measurement, not an untrustworthy run
    valid: isRunValid(rounds) && (map?.points.every((p) => p.status !== 'invalid') ?? true),
  }
  const written = writeResult(options.outDir, result)
  const reportStart = performance.now()
  mkdirSync(dirname(options.reportPath), { recursive: true })
  writeFileSync(options.reportPath, renderReport(result))
  const reportMs = performance.now() - reportStart

  const summary = renderTerminalSummary(result)
  if (options.json) {
    process.stdout.write(JSON.stringify(result) + '\n')
    process.stderr.write(summary + '\n')
  } else {
    process.stdout.write(summary + '\n')
  }
  process.stderr.write(`result: ${written.join(', ')}\nreport: ${options.reportPath} (${reportMs.toFixed(0)} ms)\n`)
  if (!result.valid) {
    process.stderr.write(`INVALID ${map === undefined ? 'rounds' : 'map points'} in this run: their numbers cannot be trusted (see the reasons above and in the report).\n`)
    return EXIT.invalid
  }
  return EXIT.ok
}

runCommand(main)
