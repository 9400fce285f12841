import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { WireBytes } from '../core/control.ts'
import type { PollBatch, UpstreamMessage } from '../core/envelope.ts'
import type { ClientConnection, HubMessage } from '../core/adapters.ts'
import { resolveScenario, type ScenarioConfig } from '../core/config.ts'
import { sleep } from '../core/clock.ts'
import {
  pollBodyBytes, pollRequestBytes, pollResponseBytes, sseChunkedEventBytes, sseHeartbeatBytes, upstreamJsonBytes, upstreamMessageBytes,
  utf8Bytes, wsFrameBytes, wsHeartbeatBytes, type DirectedBytes, type PollAnswerHead,
} from '../test-support/overhead.ts'
import { createPayloadSource } from '../core/payload.ts'
import { clientIdOf, sendsUpstream, streamOf } from '../core/streams.ts'
import { PATHS, TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { createServer, type FeedbenchServer } from '../servers/app.ts'
import { SSE_HEARTBEAT } from '../servers/sse.ts'
import { clientTransports } from './registry.ts'
import { startUpstream } from './upstream-schedule.ts'
import { WireByteCounter } from './wire-bytes.ts'

// 40 msg/s for 300 ms: seqs 1..12, 25 ms apart, so polls see single messages, batches and empty answers.
// chat: the client sends the 12 messages upstream on the same schedule and the server relays each one back.
const RATE_PER_SEC = 40
const RUN_MS = 300
const MESSAGES = 12
const PAYLOAD_SIZES = [64, 128, 1024, 64 * 1024]
// chat lines take these sizes in turn: upstream JSON of about 77, 189 and 65,597 bytes, so ws frames
// with 6-, 8- and 14-byte headers (RFC 6455 §5.2) in one run
const UPSTREAM_PAYLOAD_SIZES = [16, 128, 64 * 1024]
// no heartbeat inside the feed tests: a ping or comment line would be steady-state bytes too
const NO_HEARTBEAT_MS = 600_000
// the schema's shortest interval is 100 ms; 200 ms leaves a stalled test process time to answer a ping
const HEARTBEAT_MS = 200
const HEARTBEATS = 3
const SETTLE_STEP_MS = 15
const SETTLE_STEPS = 300

/** What the server saw of the steady-state polls: request targets and, per answer, its cursor and seqs. */
interface PollLog {
  readonly targets: string[]
  readonly answers: Array<{ cursor: number, seqs: number[] }>
}

/** What one transport is expected to cost in the steady state, from the calculator only. */
interface Expectation {
  readonly read: number
  readonly written: number
}

interface ExpectInput {
  readonly published: readonly HubMessage[]
  readonly sent: readonly UpstreamMessage[]
  readonly polls: PollLog
  readonly host: string
  readonly epoch: string
  readonly config: ScenarioConfig
}

const jsonBytesOf = (published: readonly HubMessage[]): Map<number, number> => new Map(published.map((m) => [m.env.seq, utf8Bytes(m.json)]))

function pollExpectation (input: ExpectInput, head: PollAnswerHead): Expectation {
  const json = jsonBytesOf(input.published)
  let read = 0
  for (const a of input.polls.answers) read += pollResponseBytes(pollBodyBytes(input.epoch, a.cursor, a.seqs.map((s) => json.get(s) ?? Number.NaN)), head)
  let written = 0
  for (const target of input.polls.targets) written += pollRequestBytes(target, input.host)
  return { read, written }
}

/** The calculator's steady-state downstream figure per transport; a transport missing here fails to compile. */
const expectDownstream = {
  ws: ({ published }) => ({ read: sum(published.map((m) => wsFrameBytes(utf8Bytes(m.json), 'server-to-client'))), written: 0 }),
  sse: ({ published }) => ({ read: sum(published.map((m) => sseChunkedEventBytes(m.env.seq, utf8Bytes(m.json)))), written: 0 }),
  'long-poll': (input) => pollExpectation(input, { waitMs: input.config.transports.longPoll.holdMs, maxMessages: input.config.ringSize }),
  poll: (input) => pollExpectation(input, { maxMessages: input.config.ringSize }),
} satisfies Record<TransportName, (input: ExpectInput) => Expectation>

/** Downstream plus, for every upstream message sent, the calculator's request and answer bytes. */
function expectSteady (name: TransportName, input: ExpectInput): Expectation {
  const down = expectDownstream[name](input)
  const up = input.sent.map((m) => upstreamMessageBytes[name](upstreamJsonBytes(m.client, m.seq, m.tSchedUs, utf8Bytes(m.payload)), input.host))
  return { read: down.read + sum(up.map((b) => b.serverToClient)), written: down.written + sum(up.map((b) => b.clientToServer)) }
}

function sum (values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

function scenarioFor (pattern: 'broadcast' | 'chat', payloadBytes: number, heartbeatMs = NO_HEARTBEAT_MS): ScenarioConfig {
  return resolveScenario({
    name: 'wire-bytes',
    pattern,
    clients: 1,
    ratePerSec: RATE_PER_SEC,
    payloadBytes,
    upstreamPayloadBytes: payloadBytes,
    transports: { ws: { heartbeatMs }, sse: { heartbeatMs }, longPoll: { holdMs: 10_000 }, poll: { intervalMs: 100 } },
  })
}

/** Records, at the server, every poll request target after the first (setup) one and what each later answer carried. */
function logPolls (server: FeedbenchServer): PollLog {
  const log: PollLog = { targets: [], answers: [] }
  const pollPaths = new Set<string>([PATHS.poll, PATHS.longPoll])
  let requests = 0
  let answers = 0
  server.app.addHook('onRequest', async (request) => {
    if (pollPaths.has(request.routeOptions.url ?? '') && requests++ > 0) log.targets.push(request.url)
  })
  server.app.addHook('onSend', async (request, _reply, payload) => {
    if (!pollPaths.has(request.routeOptions.url ?? '') || answers++ === 0) return payload
    const batch = JSON.parse(String(payload)) as PollBatch
    log.answers.push({ cursor: batch.cursor, seqs: batch.messages.map((m) => m.seq) })
    return payload
  })
  return log
}

/** Waits until `isDone` holds for a snapshot of the counted bytes; throws after SETTLE_STEPS tries. */
async function settle (bytes: WireByteCounter, isDone: (now: WireBytes, last: WireBytes) => boolean): Promise<WireBytes> {
  let last = bytes.snapshot()
  for (let i = 0; i < SETTLE_STEPS; i++) {
    await sleep(SETTLE_STEP_MS)
    const now = bytes.snapshot()
    if (isDone(now, last)) return now
    last = now
  }
  throw new Error('the wire bytes never settled')
}

const rows: string[][] = []
const heartbeatLines: string[] = []
let server: FeedbenchServer | undefined
let conn: ClientConnection | undefined
afterEach(async () => {
  await conn?.close()
  await server?.app.close()
  conn = undefined
  server = undefined
})

afterAll(() => {
  if (rows.length + heartbeatLines.length === 0) return
  const header = ['pattern', 'payload B', 'transport', 'msgs', 'answers', 'down B/msg', 'up B/msg', 'framing B/msg', 'overhead over payload B/msg']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ')
  console.log(['steady-state wire bytes per message (socket-counted, equal to the calculator):', line(header), ...rows.map(line), ...heartbeatLines].join('\n'))
})

/** The one client of a test, connected over `name` to `srv` (which gets its port here), counting its socket bytes. */
async function connectClient (name: TransportName, config: ScenarioConfig, srv: FeedbenchServer): Promise<{ bytes: WireByteCounter, host: string, stream: string, received: () => number }> {
  const baseUrl = await srv.listen(0, '127.0.0.1')
  const clientId = clientIdOf(0)
  const stream = streamOf(config.pattern, clientId)
  const bytes = new WireByteCounter()
  let received = 0
  conn = await clientTransports[name].connect({
    baseUrl,
    clientId,
    stream,
    afterSeq: undefined,
    config,
    sink: { message: () => { received++ }, gap: () => {}, closed: () => {} },
    bytes,
  })
  return { bytes, host: new URL(baseUrl).host, stream, received: () => received }
}

/**
 * Runs MESSAGES messages through a fresh server and client: published on schedule (broadcast) or sent
 * upstream on the same schedule by startUpstream and relayed (chat). Asserts the steady-state socket
 * bytes equal the calculator's figure and adds a row to the summary.
 */
async function checkFeed (name: TransportName, config: ScenarioConfig): Promise<void> {
  server = createServer({ config, transports: [name] })
  const srv = server
  const polls = logPolls(srv)
  const { bytes, host, stream, received } = await connectClient(name, config, srv)
  const client = conn as ClientConnection
  const started = srv.hub.run(RUN_MS)
  const sent: UpstreamMessage[] = []
  const sends: Array<Promise<void>> = []
  let answered = 0
  const payloadOf = createPayloadSource(config.seed)
  // the load generator's own open-loop schedule (clients/session.ts), here for one client
  const upstream = sendsUpstream(config.pattern)
    ? startUpstream({
      t0Us: started.t0Us,
      endUs: started.t0Us + RUN_MS * 1000,
      ratePerSec: RATE_PER_SEC,
      firstIndex: 0,
      totalClients: 1,
      localClients: 1,
      send (_local, seq, tSchedUs) {
        const payloadBytes = UPSTREAM_PAYLOAD_SIZES[(seq - 1) % UPSTREAM_PAYLOAD_SIZES.length] as number
        const message: UpstreamMessage = { client: clientIdOf(0), seq, tSchedUs, payload: payloadOf(seq, payloadBytes) }
        sent.push(message)
        sends.push(client.send(message).then(() => { answered++ }))
      },
    })
    : undefined
  try {
    const isIdle = (): boolean => received() === MESSAGES && answered === sent.length && (name === 'long-poll'
      ? polls.targets.length === polls.answers.length + 1
      : polls.targets.length === polls.answers.length)
    const counted = await settle(bytes, (now, last) => isIdle() && JSON.stringify(now) === JSON.stringify(last))
    await Promise.all(sends)
    srv.hub.stop()

    const published = srv.hub.read(stream, 0, config.ringSize).messages
    expect(published.map((m) => m.env.seq)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1))
    expect(sent.length).toBe(sendsUpstream(config.pattern) ? MESSAGES : 0)
    const expected = expectSteady(name, { published, sent, polls, host, epoch: srv.hub.epoch, config })
    expect({ read: counted.steadyRead, written: counted.steadyWritten }).toEqual(expected)

    const total = counted.steadyRead + counted.steadyWritten
    const jsonTotal = sum(published.map((m) => utf8Bytes(m.json))) + sum(sent.map((m) => utf8Bytes(JSON.stringify(m))))
    const payloadTotal = sum(published.map((m) => utf8Bytes(m.env.payload))) + sum(sent.map((m) => utf8Bytes(m.payload)))
    rows.push([config.pattern, sent.length > 0 ? UPSTREAM_PAYLOAD_SIZES.join('/') : String(config.payloadBytes), name, String(MESSAGES), name.includes('poll') ? String(polls.answers.length) : '–',
      (counted.steadyRead / MESSAGES).toFixed(1), (counted.steadyWritten / MESSAGES).toFixed(1),
      ((total - jsonTotal) / MESSAGES).toFixed(1), ((total - payloadTotal) / MESSAGES).toFixed(1)])
  } finally {
    upstream?.stop()
  }
}

describe.each(TRANSPORT_NAMES)('%s wire bytes', (name) => {
  it.each(PAYLOAD_SIZES)(`${name}: steady-state socket bytes for %i-byte payloads equal the overhead calculator exactly`, async (payloadBytes) => {
    await checkFeed(name, scenarioFor('broadcast', payloadBytes))
  })

  it(`${name}: chat lines of ${UPSTREAM_PAYLOAD_SIZES.join(', ')} bytes: upstream and relayed socket bytes equal the overhead calculator exactly`, async () => {
    await checkFeed(name, scenarioFor('chat', Math.max(...UPSTREAM_PAYLOAD_SIZES)))
  })
})

/**
 * Counts, at the server, the heartbeats it sends on the one connection of a transport; hooks are
 * added before the server listens.
 */
const heartbeatCounters = {
  // pongs the server got: the ws client answers a ping in the same read (RFC 6455 §5.5.2), so once both
  // sides have read everything the other wrote, pongs = pings
  ws: (app) => {
    let pongs = 0
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.url !== PATHS.ws) return
      request.server.websocketServer.once('connection', (socket: WebSocket) => { socket.on('pong', () => { pongs++ }) })
    })
    return () => pongs
  },
  sse: (app) => {
    let count = (): number => 0
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.url !== PATHS.sse) return
      const write = vi.spyOn(reply.raw, 'write')
      count = () => write.mock.calls.filter(([chunk]) => chunk === SSE_HEARTBEAT).length
    })
    return () => count()
  },
} satisfies Partial<Record<TransportName, (app: FastifyInstance) => () => number>>

const heartbeatBytes = { ws: wsHeartbeatBytes(), sse: sseHeartbeatBytes() } satisfies Record<keyof typeof heartbeatCounters, DirectedBytes>

describe('heartbeats on an idle feed', () => {
  it.each(['ws', 'sse'] as const)('%s: steady-state socket bytes are the heartbeats the server sent times the calculator\'s bytes per heartbeat', async (name) => {
    const config = scenarioFor('broadcast', 64, HEARTBEAT_MS)
    server = createServer({ config, transports: [name] })
    const serverSockets = new Set<Socket>()
    server.app.server.on('connection', (socket: Socket) => { serverSockets.add(socket) })
    const beats = heartbeatCounters[name](server.app)
    const { bytes } = await connectClient(name, config, server)
    // the feed never runs: heartbeats are the only steady-state bytes. A point to count at is one where
    // each side has read every byte the other wrote, so no heartbeat is half-way.
    const quiet = async (minBeats: number): Promise<{ beats: number, counted: WireBytes }> => {
      let count = 0
      const counted = await settle(bytes, (now) => {
        count = beats()
        const serverRead = sum([...serverSockets].map((s) => s.bytesRead))
        const serverWritten = sum([...serverSockets].map((s) => s.bytesWritten))
        return count >= minBeats && now.setupRead + now.steadyRead === serverWritten && now.setupWritten + now.steadyWritten === serverRead
      })
      return { beats: count, counted }
    }
    // counted from a quiet point after the setup, not from the setup itself: a heartbeat that a stalled
    // process let through before the client marked its setup done would be counted in the setup bytes
    const first = await quiet(0)
    const last = await quiet(first.beats + HEARTBEATS)
    const n = last.beats - first.beats
    const read = last.counted.steadyRead - first.counted.steadyRead
    const written = last.counted.steadyWritten - first.counted.steadyWritten
    expect({ read, written }).toEqual({ read: n * heartbeatBytes[name].serverToClient, written: n * heartbeatBytes[name].clientToServer })
    heartbeatLines.push(`${name} heartbeats: ${n} × (${heartbeatBytes[name].serverToClient} B down + ${heartbeatBytes[name].clientToServer} B up) = ${read} B read + ${written} B written`)
  })
})

describe('ws frames at the RFC 6455 length boundaries', () => {
  it.each([0, 125, 126, 65535, 65536])('ws: a %i-byte message costs the calculator\'s bytes at the client socket in both directions', async (n) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    await once(wss, 'listening')
    wss.on('connection', (peer) => { peer.on('message', (data) => { peer.send(data, { binary: false }) }) })
    const { port } = wss.address() as { port: number }
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false })
    let socket: Socket | undefined
    client.on('upgrade', (res) => { socket = res.socket })
    try {
      await once(client, 'open')
      const before = { read: socket?.bytesRead ?? 0, written: socket?.bytesWritten ?? 0 }
      client.send('a'.repeat(n))
      await once(client, 'message')
      expect({ read: (socket?.bytesRead ?? 0) - before.read, written: (socket?.bytesWritten ?? 0) - before.written })
        .toEqual({ read: wsFrameBytes(n, 'server-to-client'), written: wsFrameBytes(n, 'client-to-server') })
    } finally {
      client.terminate()
      await new Promise((resolve) => wss.close(resolve))
    }
  })
})
