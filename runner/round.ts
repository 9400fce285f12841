import type { ScenarioConfig } from '../core/config.ts'
import type { ClientKind, LoadgenJob, LoadgenReport, LoadgenToRunner, RunStopped, ServerStats, ServerToRunner } from '../core/control.ts'
import type { BrowserLayout } from '../scenarios/catalog.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { PLAIN_HTTP1, type WireVariant } from '../core/wire-variant.ts'
import { forkChild, type Child } from './children.ts'
import { loadgenNodeFlags } from './bundle.ts'
import { ControlClient } from './control-client.ts'
import type { CpuPinning } from './cpu-pinning.ts'
import type { RemoteLoadgens } from './coordinator.ts'
import type { NetworkProfile } from './network-profiles.ts'
import { startNetworkProxy, type NetworkProxy } from './network-proxy.ts'
import { restartWithTarget } from './preflight.ts'

/** One (scenario, transport, round) to execute. */
export interface RoundPlan {
  readonly scenario: ScenarioConfig
  readonly transport: TransportName
  readonly round: number
  readonly order: number
  readonly workers: number
  /** Base URL of a server started elsewhere (npm run serve), or null to start one. */
  readonly target: string | null
  /** Delay and bandwidth a proxy adds between the load generators and the server. */
  readonly network: NetworkProfile
  /** Test mode only: passed to the started server as --inject-delay-us (absent or 0: off). */
  readonly injectedDelayUs?: number
  /** Cores for the server and the load generators (absent: not pinned). */
  readonly cpus?: CpuPinning
  /** Where the clients run (absent: node). */
  readonly clientsIn?: ClientKind
  /** Chromium clients only: the scenario's page layout (absent: the generator's default). */
  readonly browser?: BrowserLayout
  /** TLS and HTTP version (absent: plain HTTP/1.1). */
  readonly variant?: WireVariant
  /** With TLS: the run's certificate, made once by the runner (a restarted server serves the same one). */
  readonly certificate?: RunCertificate
  /** Load generators on other hosts, connected to the coordinator (--loadgens), instead of forked ones. */
  readonly remote?: RemoteLoadgens
}

/** The load-generator entry of each client kind; both speak the same IPC protocol (core/control.ts). */
const LOADGEN_ENTRIES: Readonly<Record<ClientKind, string>> = {
  node: 'clients/main.ts',
  chromium: 'clients/browser-main.ts',
}

/** The certificate of a TLS run: where the server processes read key and certificate, and what clients trust. */
export interface RunCertificate {
  readonly dir: string
  readonly certPem: string
}

/** Everything the processes of one round reported, before it is turned into a RoundResult. */
export interface RoundRaw {
  readonly plan: RoundPlan
  readonly reports: readonly LoadgenReport[]
  readonly stopped: RunStopped
  readonly server: ServerStats
  /** Server RSS just before the clients connected and once all were connected, before any message. */
  readonly idleRssBytes: { readonly before: number, readonly connected: number }
  /** Longest time a load generator took to connect its clients, ms. */
  readonly connectMs?: number
  /** The server was killed and replaced on the same port during the run (faults.restartAtMs); stopped and server are the new one's. */
  readonly restart?: ServerRestart
  /** Remote load generators (by index) whose connection was lost during the round: they reported nothing. */
  readonly lostLoadgens?: readonly number[]
}

/** A server restart the runner performed during a round. */
export interface ServerRestart {
  /** When the old server was SIGKILLed, ms after its run started. */
  readonly atMs: number
  /** From the kill until the new server had started its run, ms. */
  readonly downMs: number
  readonly epochBefore: string
  readonly epochAfter: string
}

const SERVER_START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5_000

/** The processes of one round, forked ahead of it: its load generators and, unless --target, its server (starting). */
export interface RoundProcesses {
  readonly loadgens: ReadonlyArray<Child<LoadgenToRunner>>
  readonly server: Promise<{ server: Child<ServerToRunner>, url: string }> | null
}

/** Forks a round's processes; they load their code and wait for their job. */
export function forkRoundProcesses (plan: RoundPlan): RoundProcesses {
  const { scenario, transport } = plan
  const workers = splitClients(plan, '').length
  const loadgens = plan.remote?.children(workers) ?? Array.from({ length: workers }, (_, w) =>
    forkChild<LoadgenToRunner>(LOADGEN_ENTRIES[plan.clientsIn ?? 'node'], [], `load generator ${w} (${scenario.name}, ${transport}${plan.clientsIn === 'chromium' ? ', chromium' : ''})`,
      plan.cpus?.loadgens ?? null, plan.clientsIn === 'chromium' ? [] : loadgenNodeFlags(transport)))
  const server = plan.target === null ? startServer(plan, '0') : null
  // a failed start is reported by whoever awaits it (runRound), or dropped with the processes
  server?.catch(() => {})
  return { loadgens, server }
}

/** Stops processes forked ahead for a round that will not run (the run ended early). */
export function releaseRoundProcesses (processes: RoundProcesses): Promise<void> {
  return stopProcesses(processes.loadgens, processes.server?.then((s) => s.server))
}

/** Closes the load generators, then the proxy, then the server (one that is still starting is waited for; one that failed to start is gone already). */
async function stopProcesses (loadgens: ReadonlyArray<Child<LoadgenToRunner>>, server: Promise<Child<ServerToRunner>> | undefined, proxy?: NetworkProxy): Promise<void> {
  for (const l of loadgens) l.send({ type: 'close' })
  await Promise.all(loadgens.map((l) => l.stop(null, STOP_GRACE_MS)))
  await proxy?.close()
  await server?.then((s) => s.stop('SIGTERM', STOP_GRACE_MS), () => {})
}

/** How runRound may be driven by a run of rounds. */
export interface RoundOptions {
  /** The round's processes, forked ahead (default: forked now). */
  readonly processes?: RoundProcesses
  /** Called once the run's time is up, before the stop and the reports: the next round may fork its processes. */
  readonly runEnded?: () => void
}

/**
 * Runs one round: server (unless --target), load generators, warm-up + measure, reconcile, clean stop.
 * With faults.restartAtMs the server is SIGKILLed that long into the run and a new one (same config, same
 * port, a new epoch) publishes for the rest of it; the round is reconciled against the new server's ranges.
 */
export async function runRound (plan: RoundPlan, options: RoundOptions = {}): Promise<RoundRaw> {
  const { scenario } = plan
  const restartAtMs = scenario.faults.restartAtMs
  if (restartAtMs > 0 && plan.target !== null) {
    if (options.processes !== undefined) await releaseRoundProcesses(options.processes)
    throw restartWithTarget(scenario.name, plan.target)
  }
  // load generators start (tsx, imports) while the server starts: they wait for their job
  const processes = options.processes ?? forkRoundProcesses(plan)
  const loadgens = processes.loadgens
  let server: Child<ServerToRunner> | undefined
  let proxy: NetworkProxy | undefined
  // a remote generator that vanishes costs the round its clients, not the run: the round is INVALID, naming it
  const lost = new Set<number>()
  const unlessLost = <T>(worker: number, waiting: Promise<T>): Promise<T | undefined> => waiting.catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'BENCH_ERR_LOADGEN_LOST') throw err
    lost.add(worker)
    return undefined
  })
  try {
    const launched = processes.server === null ? undefined : await processes.server
    server = launched?.server
    const baseUrl = launched?.url ?? plan.target
    if (baseUrl === null) throw new Error('a round needs a --target or a server of its own')
    const control = new ControlClient(baseUrl, plan.certificate?.certPem)
    if (plan.network.name !== 'loopback') proxy = await startNetworkProxy(baseUrl, plan.network)

    const rssBefore = (await control.stats({ settle: true })).process.rssBytes
    for (const job of splitClients(plan, proxy?.url ?? baseUrl)) loadgens[job.worker]?.send({ type: 'job', job })
    const connectTimeoutMs = 30_000 + Math.ceil(scenario.clients / scenario.connectConcurrency) * scenario.clientTimeoutMs
    const connected = await Promise.all(loadgens.map((l, w) => unlessLost(w, l.next((m): m is Extract<LoadgenToRunner, { type: 'connected' }> => m.type === 'connected',
      connectTimeoutMs, 'its clients to connect'))))
    const connectMs = Math.max(0, ...connected.map((m) => m?.connectMs ?? 0))

    const rssConnected = (await control.stats({ settle: true })).process.rssBytes
    const runMs = scenario.warmupMs + scenario.durationMs
    const started = await control.run(runMs, { startMs: scenario.warmupMs, endMs: runMs })
    for (const l of loadgens) l.send({ type: 'start', started, durationMs: runMs })
    let lastRun = { started, runMs }
    let restart: ServerRestart | undefined
    if (restartAtMs > 0 && server !== undefined) {
      // a crash: no close frames, no stream ends; the listener and every socket vanish with the process
      // a timer may fire a fraction of a ms early: wait until the restart time has really passed
      const restartUs = started.t0Us + restartAtMs * 1000
      while (nowUs() < restartUs) await sleep(Math.ceil((restartUs - nowUs()) / 1000))
      const killedUs = nowUs()
      await server.stop('SIGKILL', STOP_GRACE_MS)
      server = (await startServer(plan, new URL(baseUrl).port)).server
      // the new server publishes for what is left of the run, on its own schedule from its own t0 (seq 1 on)
      const leftMs = Math.max(1, Math.round((started.t0Us + runMs * 1000 - nowUs()) / 1000))
      const restarted = await control.run(leftMs)
      lastRun = { started: restarted, runMs: leftMs }
      restart = {
        atMs: Math.floor((killedUs - started.t0Us) / 1000),
        downMs: Math.round((nowUs() - killedUs) / 1000),
        epochBefore: started.epoch,
        epochAfter: restarted.epoch,
      }
    }
    // the last upstream message is scheduled just before t0 + runMs; give it time to reach the hub
    const untilEndMs = (lastRun.started.t0Us - nowUs()) / 1000 + lastRun.runMs + 200
    await sleep(Math.max(0, untilEndMs))
    options.runEnded?.()
    let stopped: RunStopped
    try {
      stopped = await control.stop()
    } catch (err) {
      if ((err as { code?: string }).code !== 'BENCH_ERR_SERVER_LOST') throw err
      throw await serverLostWithCounts(err as Error, baseUrl, scenario, loadgens)
    }
    const reports = await collectReports(loadgens, stopped, scenario, unlessLost)
    const serverStats = await control.stats()
    return {
      plan,
      reports,
      stopped,
      server: serverStats,
      idleRssBytes: { before: rssBefore, connected: rssConnected },
      connectMs,
      ...(restart === undefined ? {} : { restart }),
      ...(lost.size === 0 ? {} : { lostLoadgens: [...lost].sort((a, b) => a - b) }),
    }
  } finally {
    // the server now running (a replacement after a restart), or the one still starting when the round failed
    await stopProcesses(loadgens, server === undefined ? processes.server?.then((s) => s.server) : Promise.resolve(server), proxy)
  }
}

/** Forks a server for the plan on `port` ('0': any free port) and waits until it listens. */
async function startServer (plan: RoundPlan, port: string): Promise<{ server: Child<ServerToRunner>, url: string }> {
  const { scenario, transport } = plan
  const server = forkChild<ServerToRunner>('servers/main.ts', [
    '--scenario-json', JSON.stringify(scenario), '--transport', transport, '--port', port, '--host', '127.0.0.1', '--idle',
    ...((plan.injectedDelayUs ?? 0) > 0 ? ['--inject-delay-us', String(plan.injectedDelayUs)] : []),
    ...(plan.certificate === undefined ? [] : ['--tls-dir', plan.certificate.dir]),
    '--http', (plan.variant ?? PLAIN_HTTP1).httpVersion,
  ], `server (${scenario.name}, ${transport})`, plan.cpus?.server ?? null)
  try {
    const listening = await server.next((m): m is Extract<ServerToRunner, { type: 'listening' }> => m.type === 'listening',
      SERVER_START_TIMEOUT_MS, 'the server to listen')
    return { server, url: listening.url }
  } catch (err) {
    await server.stop('SIGTERM', STOP_GRACE_MS)
    throw err
  }
}

/** Sends 'finish' with what the server published and waits for every load generator's report (a lost one's is left out by `unlessLost`). */
async function collectReports (loadgens: ReadonlyArray<Child<LoadgenToRunner>>, stopped: RunStopped, scenario: ScenarioConfig,
  unlessLost = <T>(_worker: number, waiting: Promise<T>): Promise<T | undefined> => waiting): Promise<LoadgenReport[]> {
  for (const l of loadgens) l.send({ type: 'finish', stopped })
  const reports = await Promise.all(loadgens.map(async (l, w) => {
    const m = await unlessLost(w, l.next((x): x is Extract<LoadgenToRunner, { type: 'report' }> => x.type === 'report',
      scenario.drainMs + 30_000, 'its report'))
    return m?.report
  }))
  return reports.filter((r) => r !== undefined)
}

/**
 * The server vanished before it could say what it published, so nothing can be reconciled: the round
 * fails, and the error carries what the clients saw (messages, dropped connections, failed reconnects).
 */
async function serverLostWithCounts (lost: Error, baseUrl: string, scenario: ScenarioConfig,
  loadgens: ReadonlyArray<Child<LoadgenToRunner>>): Promise<Error> {
  try {
    const reports = await collectReports(loadgens, { epoch: '', streams: {}, published: 0, upstreamReceived: 0 }, scenario)
    const sum = (key: 'received' | 'reconnects' | 'errors' | 'resets'): number => reports.reduce((n, r) => n + r.counters[key], 0)
    const counts = `the clients had received ${sum('received')} messages, lost their connection ${sum('reconnects')} times, ` +
      `failed ${sum('errors')} reconnect attempts and saw ${sum('resets')} server restarts`
    return new errors.BENCH_ERR_SERVER_LOST(baseUrl, 'POST /_feedbench/stop', counts, { cause: lost })
  } catch {
    return lost
  }
}

/** Spreads the scenario's clients over the load-generator processes as evenly as possible. */
export function splitClients (plan: RoundPlan, baseUrl: string): LoadgenJob[] {
  const workers = Math.min(plan.workers, plan.scenario.clients)
  const jobs: LoadgenJob[] = []
  const layout = plan.clientsIn === 'chromium' && plan.browser !== undefined
    ? { clientsPerPage: plan.browser.clientsPerPage, sharedBrowserContext: plan.browser.sharedContext }
    : {}
  let first = 0
  for (let w = 0; w < workers; w++) {
    const count = Math.floor(plan.scenario.clients / workers) + (w < plan.scenario.clients % workers ? 1 : 0)
    jobs.push({
      scenario: plan.scenario,
      transport: plan.transport,
      baseUrl,
      ...(plan.certificate === undefined ? {} : { caPem: plan.certificate.certPem }),
      httpVersion: (plan.variant ?? PLAIN_HTTP1).httpVersion,
      firstClient: first,
      clientCount: count,
      worker: w,
      ...layout,
    })
    first += count
  }
  return jobs
}
