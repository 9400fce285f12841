import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { LoadgenJob, LoadgenToRunner, RunnerToLoadgen } from '../core/control.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { resolveScenario } from '../core/config.ts'
import { decodeHistogram } from '../core/histogram.ts'
import { createServer, type FeedbenchServer } from '../servers/app.ts'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

/** The load-generator process as the runner starts it: tsx, IPC, advanced serialisation. */
function forkLoadgen (): { child: ChildProcess, next: (type: LoadgenToRunner['type']) => Promise<LoadgenToRunner>, send: (m: RunnerToLoadgen) => void } {
  const child = fork(MAIN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' })
  const inbox: LoadgenToRunner[] = []
  child.on('message', (m) => inbox.push(m as LoadgenToRunner))
  return {
    child,
    send: (m) => child.send(m),
    async next (type) {
      const deadline = Date.now() + 30_000
      for (;;) {
        const index = inbox.findIndex((m) => m.type === type || m.type === 'error')
        if (index >= 0) return inbox.splice(index, 1)[0] as LoadgenToRunner
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no '${type}' message from the load generator`)
        await sleep(10)
      }
    },
  }
}

let server: FeedbenchServer | undefined
let child: ChildProcess | undefined
afterEach(async () => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL')
  await server?.app.close()
  server = undefined
  child = undefined
})

describe('load-generator process', () => {
  it('runs job, start, finish and close over IPC against a real sse server', async () => {
    const scenario = resolveScenario({ name: 'main-e2e', pattern: 'chat', clients: 4, ratePerSec: 20, durationMs: 500, warmupMs: 100, drainMs: 2_000 })
    server = createServer({ config: scenario, transports: ['sse'] })
    const baseUrl = await server.listen(0, '127.0.0.1')
    const loadgen = forkLoadgen()
    child = loadgen.child
    const job: LoadgenJob = { scenario, transport: 'sse', baseUrl, firstClient: 1, clientCount: 3, worker: 1 }
    loadgen.send({ type: 'job', job })
    expect(await loadgen.next('connected')).toEqual({ type: 'connected', clients: 3, connectMs: expect.any(Number) })

    const runMs = scenario.warmupMs + scenario.durationMs
    const started = server.hub.run(runMs)
    loadgen.send({ type: 'start', started, durationMs: runMs })
    await sleep((started.t0Us - nowUs()) / 1000 + runMs + 200)
    const stopped = server.hub.stop()
    loadgen.send({ type: 'finish', stopped })
    const message = await loadgen.next('report')
    if (message.type !== 'report') throw new Error(`expected a report, got ${JSON.stringify(message)}`)
    const { report } = message
    expect(report.worker).toBe(1)
    expect(report.clients).toBe(3)
    expect(report.counters.upstreamSent).toBe(stopped.upstreamReceived)
    expect(report.counters).toMatchObject({ expected: 3 * stopped.upstreamReceived, received: 3 * stopped.upstreamReceived, lost: 0, upstreamFailed: 0 })
    expect(report.missing).toEqual([])
    expect(decodeHistogram(report.histograms.connect).totalCount).toBe(3)
    expect(decodeHistogram(report.histograms.latency).totalCount).toBe(report.deliveredInWindow)
    expect(report.bytes.steadyWritten).toBeGreaterThan(0)
    expect(report.process.elapsedUs).toBeGreaterThan(0)

    const exited = once(loadgen.child, 'exit')
    loadgen.send({ type: 'close' })
    expect((await exited)[0]).toBe(0)
  })

  it('answers a job it cannot run with an error message and exit code 1', async () => {
    const scenario = resolveScenario({ name: 'main-e2e', pattern: 'broadcast', clients: 1 })
    const loadgen = forkLoadgen()
    child = loadgen.child
    const exited = once(loadgen.child, 'exit')
    // port 9 (discard) on loopback refuses connections
    loadgen.send({ type: 'job', job: { scenario, transport: 'ws', baseUrl: 'http://127.0.0.1:9', firstClient: 0, clientCount: 1, worker: 0 } })
    const message = await loadgen.next('connected')
    expect(message).toMatchObject({ type: 'error', code: 'BENCH_ERR_TARGET_UNREACHABLE' })
    expect((await exited)[0]).toBe(1)
  })
})
