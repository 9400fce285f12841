import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import { EXIT, runCommand } from '../core/command.ts'
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './cli-options.ts'
import type { ScenarioConfig } from '../core/config.ts'
import { loadScenario, notApplicableTo } from '../scenarios/catalog.ts'
import { startCoordinator, type Coordinator } from './coordinator.ts'
import { checkMachineLimits, checkTarget } from './preflight.ts'
import { runRamps } from './ramp.ts'
import { listSkipped, planRounds, runPlans } from './suite.ts'
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
  const scenarios = options.scenarios.map((name) => loadScenario(name, options.overrides))
  // remote generators hold the connections on their own hosts
  if (options.remoteLoadgens === null) checkMachineLimits(scenarios)
  if (options.target !== null) await checkTarget(options.target, scenarios, options.transports)

  if (options.injectedDelayUs > 0) {
    process.stderr.write(`TEST MODE: the server delays every published batch by ${options.injectedDelayUs} µs (--inject-delay-us); this run measures the CI gate, not the transports\n`)
  }
  const coordinator = options.remoteLoadgens === null ? undefined : await startCoordinator(options.remoteLoadgens)
  try {
    if (coordinator !== undefined && options.remoteLoadgens !== null) {
      process.stderr.write(`coordinator: waiting up to ${options.remoteLoadgens.waitMs / 1000} s for ${options.remoteLoadgens.loadgens} load generators on ${coordinator.url}\n`)
      await coordinator.waitForAll(options.remoteLoadgens.waitMs)
    }
    return await runAll(options, scenarios, coordinator)
  } finally {
    await coordinator?.close()
  }
}

/** Runs the rounds and ramps, writes the result and the report, and returns the exit code. */
async function runAll (options: BenchOptions, scenarios: ScenarioConfig[], coordinator: Coordinator | undefined): Promise<number> {
  const startedAt = new Date()
  const input = {
    ...options,
    scenarios,
    notApplicable: Object.fromEntries(scenarios.map((s, i) => [s.name, notApplicableTo(options.scenarios[i] ?? s.name)])),
    ...(coordinator === undefined ? {} : { remote: coordinator }),
  }
  const skipped = listSkipped(input)
  const plans = planRounds(input)
  const showProgress = process.stderr.isTTY === true
  const t0 = performance.now()
  const rounds = await runPlans(plans, {
    roundStarted (plan, total) {
      if (showProgress) process.stderr.write(`[${plan.order}/${total}] ${plan.scenario.name} · ${plan.transport} · round ${plan.round} … `)
    },
    roundFinished (r) {
      if (!showProgress) return
      const elapsed = ((performance.now() - t0) / 1000).toFixed(0)
      const status = r.status === 'valid' ? 'ok' : `${r.status === 'rerun' ? 'run once more' : 'INVALID'}: ${r.invalidReasons.join('; ')}`
      process.stderr.write(`p50 ${r.latency.p50Us} µs, p99 ${r.latency.p99Us} µs, ${r.deliveredPerSec.toFixed(0)} msg/s, lost ${r.counters.lost} — ${status} (${elapsed} s)\n`)
    },
  })
  const ramps = await runRamps(input, options.quick, {
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
      ...(options.profile === null ? {} : { profile: options.profile }),
      ...(options.injectedDelayUs > 0 ? { injectedDelayUs: options.injectedDelayUs } : {}),
      ...(options.network.name === 'loopback' ? {} : { network: { ...options.network } }),
      ...(options.remoteLoadgens === null ? {} : { remoteLoadgens: options.remoteLoadgens.loadgens }),
    },
    scenarios,
    rounds,
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(ramps.length > 0 ? { ramps } : {}),
    // a ramp is meant to end at a failed step: that is its measurement, not an untrustworthy run
    valid: isRunValid(rounds),
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
    process.stderr.write('INVALID rounds in this run: their numbers cannot be trusted (see the reasons above and in the report).\n')
    return EXIT.invalid
  }
  return EXIT.ok
}

runCommand(main)
