import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LoadgenJob, LoadgenReport, RunStopped } from '../core/control.ts'
import type { ClientTransport } from '../core/adapters.ts'
import { resolveScenario, type ScenarioConfig, type ScenarioOptions } from '../core/config.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import type { HttpVersion } from '../core/wire-variant.ts'
import { createServer, type FeedbenchServer } from '../servers/app.ts'
import { makeCertificate, type TlsCertificate } from '../servers/certificate.ts'
import { LoadSession } from './session.ts'
import { clientTransports } from './registry.ts'

// Every transport over TLS, and every HTTP transport over HTTP/2: real servers and clients on
// 127.0.0.1, the same envelope and counter checks as plain HTTP/1.1, and the wire bytes counted on the
// TCP socket (ciphertext) checked against the server's own TCP sockets.

let cert: TlsCertificate
beforeAll(async () => { cert = await makeCertificate() })
afterAll(() => { cert.remove() })

let server: FeedbenchServer | undefined
let session: LoadSession | undefined
afterEach(async () => {
  await session?.close()
  await server?.app.close()
  session = undefined
  server = undefined
})

function scenario (overrides: Partial<ScenarioOptions> = {}): ScenarioConfig {
  return resolveScenario({
    name: 'variants',
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

/** What the server saw: its TCP sockets (for their byte counts) and the HTTP version of every request. */
interface ServerView { readonly sockets: Socket[], readonly httpVersions: Set<string> }

async function startServer (config: ScenarioConfig, name: TransportName, httpVersion: HttpVersion): Promise<{ baseUrl: string, view: ServerView }> {
  server = createServer({ config, transports: [name], tls: cert, httpVersion })
  const view: ServerView = { sockets: [], httpVersions: new Set() }
  server.app.server.on('connection', (socket: Socket) => { view.sockets.push(socket) })
  server.app.addHook('onRequest', async (request) => { if (!request.url.startsWith('/_feedbench')) view.httpVersions.add(request.raw.httpVersion) })
  return { baseUrl: await server.listen(0, '127.0.0.1'), view }
}

/** Wraps a transport to collect the sockets it hands to the byte counter. */
function observeSockets (inner: ClientTransport, sockets: Socket[]): ClientTransport {
  return {
    name: inner.name,
    connect: (options) => inner.connect({
      ...options,
      bytes: { track: (s) => { sockets.push(s); options.bytes.track(s) }, markSetupDone: () => options.bytes.markSetupDone() },
    }),
  }
}

function jobOf (config: ScenarioConfig, name: TransportName, baseUrl: string, httpVersion: HttpVersion): LoadgenJob {
  return { scenario: config, transport: name, baseUrl, caPem: cert.certPem, httpVersion, firstClient: 0, clientCount: config.clients, worker: 0 }
}

async function runRound (s: LoadSession, srv: FeedbenchServer, config: ScenarioConfig): Promise<{ report: LoadgenReport, stopped: RunStopped }> {
  await s.connectAll()
  const runMs = config.warmupMs + config.durationMs
  const started = srv.hub.run(runMs)
  s.start(started, runMs)
  await sleep(Math.max(0, (started.t0Us - nowUs()) / 1000 + runMs + 100))
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

/**
 * Most a server writes to a closing connection after the client stopped reading, bytes: a TLS 1.3 alert
 * record is 24 (5-byte header, 2-byte alert, content type, 16-byte tag), an h2 GOAWAY (17) or RST_STREAM
 * (13) frame in its own record 22 more each.
 */
const GOODBYE_BYTES = 160

const VARIANTS: Array<[TransportName, HttpVersion]> = [
  ...TRANSPORT_NAMES.map((name) => [name, '1.1'] as [TransportName, HttpVersion]),
  ...TRANSPORT_NAMES.filter((name) => name !== 'ws').map((name) => [name, '2'] as [TransportName, HttpVersion]),
]

describe.each(VARIANTS)('%s over TLS, HTTP/%s', (name, httpVersion) => {
  it('delivers every message in order, and the wire bytes are the TCP socket\'s (ciphertext, handshake in setup)', async () => {
    const config = scenario()
    const { baseUrl, view } = await startServer(config, name, httpVersion)
    expect(baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const clientSockets: Socket[] = []
    session = new LoadSession(jobOf(config, name, baseUrl, httpVersion), observeSockets(clientTransports[name], clientSockets))
    const { report, stopped } = await runRound(session, server as FeedbenchServer, config)
    const range = stopped.streams.feed
    const n = (range?.lastSeq ?? 0) - (range?.firstSeq ?? 0) + 1
    expect(n).toBeGreaterThan(50)
    expect(report.counters).toMatchObject({ expected: 2 * n, received: 2 * n, lost: 0, duplicates: 0, outOfOrder: 0, reconnects: 0, resets: 0, errors: 0 })
    expect(report.payloadBytesReceived).toBe(2 * n * config.payloadBytes)
    // ws is HTTP/1.1 whatever the run says; every HTTP request of an h2 run went over h2
    expect([...view.httpVersions]).toEqual([httpVersion === '2' && name !== 'ws' ? '2.0' : '1.1'])
    // h2: one TCP connection per client carries the stream (or polls) and the upstream, as a browser page's does
    if (httpVersion === '2') expect(clientSockets.length).toBe(config.clients)
    // the counted sockets are raw TCP sockets below TLS, not TLSSockets
    expect(clientSockets.every((s) => (s as TLSSocket).encrypted !== true)).toBe(true)
    // a full TLS 1.3 handshake with an ECDSA certificate is over 700 bytes server → client
    expect(report.bytes.setupRead).toBeGreaterThan(700 * config.clients)

    // independent count: the server's own TCP sockets, once every socket of both sides is closed
    await session.close()
    session = undefined
    await waitFor(() => clientSockets.every((s) => s.closed) && view.sockets.every((s) => s.closed), 'every socket to close')
    const serverRead = view.sockets.reduce((sum, s) => sum + s.bytesRead, 0)
    const serverWritten = view.sockets.reduce((sum, s) => sum + s.bytesWritten, 0)
    const clientRead = clientSockets.reduce((sum, s) => sum + s.bytesRead, 0)
    const clientWritten = clientSockets.reduce((sum, s) => sum + s.bytesWritten, 0)
    expect(clientWritten).toBe(serverRead)
    // the server's goodbye to a client that tore its connection down (a TLS 1.3 close_notify alert of 24
    // bytes, over h2 a GOAWAY frame before it) may be written to a socket the client no longer reads
    expect(serverWritten - clientRead).toBeGreaterThanOrEqual(0)
    expect(serverWritten - clientRead).toBeLessThanOrEqual(GOODBYE_BYTES * clientSockets.length)
    // the report's count is the same count, taken before close
    const counted = report.bytes.setupRead + report.bytes.steadyRead
    expect(counted).toBeLessThanOrEqual(clientRead)
    expect(counted).toBeGreaterThan(report.payloadBytesReceived)
  })

  it('carries upstream messages (POSTs over the same h2 connection, or ws frames)', async () => {
    const config = scenario({ pattern: 'chat', clients: 3, ratePerSec: 20, upstreamPayloadBytes: 64 })
    const { baseUrl } = await startServer(config, name, httpVersion)
    session = new LoadSession(jobOf(config, name, baseUrl, httpVersion))
    const { report, stopped } = await runRound(session, server as FeedbenchServer, config)
    expect(report.counters.upstreamFailed).toBe(0)
    expect(report.counters.upstreamSent).toBeGreaterThanOrEqual(3 * 9)
    expect(stopped.upstreamReceived).toBe(report.counters.upstreamSent)
    expect(report.counters).toMatchObject({ expected: 3 * report.counters.upstreamSent, received: 3 * report.counters.upstreamSent, lost: 0, duplicates: 0 })
  })
})
