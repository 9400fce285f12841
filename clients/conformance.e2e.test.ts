import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { LoadgenJob, LoadgenReport, RunStopped } from '../core/control.ts'
import type { Envelope, GapNotice } from '../core/envelope.ts'
import type { ClientConnection, ClientTransport, ConnectionClosed } from '../core/adapters.ts'
import { resolveScenario, type ScenarioConfig, type ScenarioOptions } from '../core/config.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { createPayloadSource } from '../core/payload.ts'
import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { createServer, type FeedbenchServer } from '../servers/app.ts'
import { SeqTracker } from './seq-tracker.ts'
import { LoadSession } from './session.ts'
import { clientTransports } from './registry.ts'
import { WireByteCounter } from './wire-bytes.ts'

/** A transport wrapped to see what it delivers and which sockets it opens; the framing is the real adapter's. */
function observe (inner: ClientTransport): { transport: ClientTransport, envelopes: Map<string, Envelope[]>, sockets: Map<string, Socket[]>, closes: ConnectionClosed[] } {
  const envelopes = new Map<string, Envelope[]>()
  const sockets = new Map<string, Socket[]>()
  const closes: ConnectionClosed[] = []
  const transport: ClientTransport = {
    name: inner.name,
    connect: (options) => {
      const seen = envelopes.get(options.clientId) ?? []
      envelopes.set(options.clientId, seen)
      const opened = sockets.get(options.clientId) ?? []
      sockets.set(options.clientId, opened)
      return inner.connect({
        ...options,
        sink: {
          message: (env, recvUs) => { seen.push(env); options.sink.message(env, recvUs) },
          gap: (notice) => options.sink.gap(notice),
          closed: (info) => { closes.push(info); options.sink.closed(info) },
        },
        bytes: {
          track: (socket) => { opened.push(socket); options.bytes.track(socket) },
          markSetupDone: () => options.bytes.markSetupDone(),
        },
      })
    },
  }
  return { transport, envelopes, sockets, closes }
}

function scenario (overrides: Partial<ScenarioOptions>): ScenarioConfig {
  return resolveScenario({
    name: 'conformance',
    pattern: 'broadcast',
    clients: 2,
    ratePerSec: 200,
    durationMs: 400,
    warmupMs: 100,
    drainMs: 3_000,
    transports: { poll: { intervalMs: 20 }, longPoll: { holdMs: 2_000 } },
    ...overrides,
  })
}

let server: FeedbenchServer | undefined
let session: LoadSession | undefined
afterEach(async () => {
  await session?.close()
  await server?.app.close()
  session = undefined
  server = undefined
})

async function startServer (config: ScenarioConfig, name: TransportName): Promise<string> {
  server = createServer({ config, transports: [name] })
  return await server.listen(0, '127.0.0.1')
}

function jobOf (config: ScenarioConfig, name: TransportName, baseUrl: string): LoadgenJob {
  return { scenario: config, transport: name, baseUrl, firstClient: 0, clientCount: config.clients, worker: 0 }
}

/** Runs one whole round in-process: connect, run, stop, finish; `during` runs while the feed publishes. */
async function runRound (s: LoadSession, srv: FeedbenchServer, config: ScenarioConfig, during?: () => Promise<void>): Promise<{ report: LoadgenReport, stopped: RunStopped }> {
  await s.connectAll()
  const runMs = config.warmupMs + config.durationMs
  const started = srv.hub.run(runMs)
  s.start(started, runMs)
  await during?.()
  await sleep(Math.max(0, (started.t0Us - nowUs()) / 1000 + runMs + 100))
  // the hub counts an upstream message only while it runs: stop once every one sent has been answered
  await waitFor(() => s.upstreamInFlight === 0, 'the upstream messages in flight to be answered', 10_000)
  const stopped = srv.hub.stop()
  return { report: await s.finish(stopped), stopped }
}

async function waitFor (condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

describe.each(TRANSPORT_NAMES.map((name) => [name, clientTransports[name]] as const))('%s conformance', (name, client) => {
  it(`${name}: delivers every message in order with the hub's content`, async () => {
    const config = scenario({})
    const baseUrl = await startServer(config, name)
    const seen = observe(client)
    session = new LoadSession(jobOf(config, name, baseUrl), seen.transport)
    const { report, stopped } = await runRound(session, server as FeedbenchServer, config)
    const range = stopped.streams.feed
    expect(range?.lastSeq).toBeGreaterThan(50)
    const n = (range?.lastSeq ?? 0) - (range?.firstSeq ?? 0) + 1
    expect(report.counters).toMatchObject({ expected: 2 * n, received: 2 * n, lost: 0, duplicates: 0, outOfOrder: 0, reconnects: 0, resets: 0 })
    expect(report.missing).toEqual([])
    expect(report.deliveredInWindow).toBeGreaterThan(0)
    expect(report.payloadBytesReceived).toBe(2 * n * config.payloadBytes)
    expect(report.bytes.setupRead).toBeGreaterThan(0)
    expect(report.bytes.steadyRead).toBeGreaterThan(report.payloadBytesReceived)
    const published = (server as FeedbenchServer).hub.read('feed', 0, config.ringSize).messages.map((m) => m.env)
    for (const envs of seen.envelopes.values()) {
      expect(envs.map((e) => e.seq)).toEqual(published.map((e) => e.seq))
      expect(envs.map((e) => e.payload)).toEqual(published.map((e) => e.payload))
      expect(envs.every((e) => e.payload.length === config.payloadBytes && e.stream === 'feed' && e.epoch === stopped.epoch)).toBe(true)
    }
  })

  it(`${name}: upstream messages reach the hub and come back to every client (chat)`, async () => {
    const config = scenario({ pattern: 'chat', clients: 3, ratePerSec: 20, upstreamPayloadBytes: 64 })
    const baseUrl = await startServer(config, name)
    const seen = observe(client)
    session = new LoadSession(jobOf(config, name, baseUrl), seen.transport)
    const { report, stopped } = await runRound(session, server as FeedbenchServer, config)
    expect(report.counters.upstreamFailed).toBe(0)
    expect(report.counters.upstreamSent).toBeGreaterThanOrEqual(3 * 9)
    expect(stopped.upstreamReceived).toBe(report.counters.upstreamSent)
    expect(stopped.streams.feed?.lastSeq).toBe(report.counters.upstreamSent)
    expect(report.counters).toMatchObject({ expected: 3 * report.counters.upstreamSent, lost: 0, duplicates: 0 })
    const payload = createPayloadSource(config.seed)
    const sentPayloads = new Set(Array.from({ length: 20 }, (_, k) => payload(k + 1, config.upstreamPayloadBytes)))
    for (const envs of seen.envelopes.values()) {
      expect(envs.length).toBe(report.counters.upstreamSent)
      expect(envs.every((e) => sentPayloads.has(e.payload))).toBe(true)
    }
  })

  it(`${name}: counts a gap notice when the resume point has left the ring`, async () => {
    const config = scenario({ ringSize: 16, clients: 1 })
    const baseUrl = await startServer(config, name)
    const hub = (server as FeedbenchServer).hub
    hub.run(10_000)
    await waitFor(() => hub.lastSeq('feed') >= 40, 'the ring to move past seq 24')
    const tracker = new SeqTracker()
    const closes: ConnectionClosed[] = []
    const conn: ClientConnection = await client.connect({
      baseUrl,
      clientId: 'c0',
      stream: 'feed',
      afterSeq: 1,
      afterEpoch: hub.epoch,
      config,
      sink: {
        message: (env) => tracker.accept(env.epoch, env.seq),
        gap: (notice: GapNotice) => tracker.notice(notice),
        closed: (info) => closes.push(info),
      },
      bytes: new WireByteCounter(),
    })
    await waitFor(() => tracker.highestSeq >= 45, 'messages after the gap')
    await conn.close()
    const stopped = hub.stop()
    expect(closes).toEqual([])
    expect(tracker.gapNotified).toBeGreaterThan(0)
    const r = tracker.reconcile({ firstSeq: 2, lastSeq: tracker.highestSeq }, stopped.epoch)
    expect(r).toMatchObject({ lost: tracker.gapNotified, unexplained: 0 })
    expect(tracker.duplicates).toBe(0)
  })

  it(`${name}: resumes after the client's sockets are destroyed with zero loss and zero duplicates`, async () => {
    const config = scenario({ durationMs: 1_200 })
    const baseUrl = await startServer(config, name)
    const seen = observe(client)
    session = new LoadSession(jobOf(config, name, baseUrl), seen.transport)
    let destroyed = 0
    const { report } = await runRound(session, server as FeedbenchServer, config, async () => {
      await sleep(400)
      const sockets = seen.sockets.get('c0') ?? []
      destroyed = sockets.length
      for (const socket of sockets) socket.destroy()
    })
    // a poll socket destroyed between requests is replaced without an error: no reconnect, but a new socket
    expect(destroyed).toBeGreaterThan(0)
    expect(seen.sockets.get('c0')?.length).toBeGreaterThan(destroyed)
    expect(report.counters).toMatchObject({ lost: 0, duplicates: 0, resets: 0, gapNotified: 0 })
    expect(report.counters.received).toBe(report.counters.expected)
  })

  it(`${name}: app.close() resolves promptly with clients open`, async () => {
    const config = scenario({})
    const baseUrl = await startServer(config, name)
    const seen = observe(client)
    session = new LoadSession(jobOf(config, name, baseUrl), seen.transport)
    await session.connectAll()
    const srv = server as FeedbenchServer
    server = undefined
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      srv.app.close(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('app.close() did not resolve within 5 s')), 5_000) }),
    ])
    clearTimeout(timer)
    await waitFor(() => seen.closes.length >= config.clients, 'every client to see the close')
    if (name === 'ws') expect(seen.closes.map((c) => c.code)).toEqual([1001, 1001])
  })
})
