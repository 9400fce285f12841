import { once } from 'node:events'
import type { Socket } from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { WireBytes } from '../scenarios/core/control.ts'
import type { PollBatch } from '../scenarios/core/envelope.ts'
import type { ClientConnection, HubMessage } from '../scenarios/core/transport.ts'
import { resolveScenario, type ScenarioConfig } from '../scenarios/core/config.ts'
import { sleep } from '../scenarios/core/clock.ts'
import {
  pollBodyBytes, pollRequestBytes, pollResponseBytes, sseChunkedEventBytes, utf8Bytes, wsFrameBytes, type PollAnswerHead,
} from '../scenarios/core/overhead.ts'
import { clientIdOf, streamOf } from '../scenarios/core/streams.ts'
import { PATHS, TRANSPORT_NAMES, type TransportName } from '../scenarios/core/transports.ts'
import { createServer, type FeedbenchServer } from '../servers/app.ts'
import { clientTransports } from './transports.ts'
import { WireByteCounter } from './wire-bytes.ts'

// 40 msg/s for 300 ms: seqs 1..12, 25 ms apart, so polls see single messages, batches and empty answers
const RATE_PER_SEC = 40
const RUN_MS = 300
const MESSAGES = 12
const PAYLOAD_SIZES = [64, 128, 1024, 64 * 1024]
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

/** The calculator's steady-state figure per transport; a transport missing here fails to compile. */
const expectSteady = {
  ws: ({ published }) => ({ read: sum(published.map((m) => wsFrameBytes(utf8Bytes(m.json), 'server-to-client'))), written: 0 }),
  sse: ({ published }) => ({ read: sum(published.map((m) => sseChunkedEventBytes(m.env.seq, utf8Bytes(m.json)))), written: 0 }),
  'long-poll': (input) => pollExpectation(input, { waitMs: input.config.transports.longPoll.holdMs, maxMessages: input.config.ringSize }),
  poll: (input) => pollExpectation(input, { maxMessages: input.config.ringSize }),
} satisfies Record<TransportName, (input: ExpectInput) => Expectation>

function sum (values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

function scenarioFor (payloadBytes: number): ScenarioConfig {
  return resolveScenario({
    name: 'wire-bytes',
    pattern: 'broadcast',
    clients: 1,
    ratePerSec: RATE_PER_SEC,
    payloadBytes,
    // no heartbeat inside the test: a ping or comment line would be steady-state bytes too
    transports: { ws: { heartbeatMs: 600_000 }, sse: { heartbeatMs: 600_000 }, longPoll: { holdMs: 10_000 }, poll: { intervalMs: 100 } },
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

/** Waits until the counted bytes stop changing and the server is idle (every poll answered, or one held). */
async function settle (bytes: WireByteCounter, isIdle: () => boolean): Promise<WireBytes> {
  let last = bytes.snapshot()
  for (let i = 0; i < SETTLE_STEPS; i++) {
    await sleep(SETTLE_STEP_MS)
    const now = bytes.snapshot()
    if (isIdle() && JSON.stringify(now) === JSON.stringify(last)) return now
    last = now
  }
  throw new Error('the wire bytes never settled')
}

const rows: string[][] = []
let server: FeedbenchServer | undefined
let conn: ClientConnection | undefined
afterEach(async () => {
  await conn?.close()
  await server?.app.close()
  conn = undefined
  server = undefined
})

afterAll(() => {
  if (rows.length === 0) return
  const header = ['payload B', 'transport', 'msgs', 'answers', 'down B/msg', 'up B/msg', 'framing B/msg', 'overhead over payload B/msg']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ')
  console.log(['steady-state wire bytes per message (socket-counted, equal to the calculator):', line(header), ...rows.map(line)].join('\n'))
})

describe.each(TRANSPORT_NAMES)('%s wire bytes', (name) => {
  it.each(PAYLOAD_SIZES)(`${name}: steady-state socket bytes for %i-byte payloads equal the overhead calculator exactly`, async (payloadBytes) => {
    const config = scenarioFor(payloadBytes)
    server = createServer({ config, transports: [name] })
    const polls = logPolls(server)
    const baseUrl = await server.listen(0, '127.0.0.1')
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
    const srv = server
    srv.hub.run(RUN_MS)
    const isIdle = (): boolean => received === MESSAGES && (name === 'long-poll'
      ? polls.targets.length === polls.answers.length + 1
      : polls.targets.length === polls.answers.length)
    const counted = await settle(bytes, isIdle)
    srv.hub.stop()

    const published = srv.hub.read(stream, 0, config.ringSize).messages
    expect(published.map((m) => m.env.seq)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1))
    const expected = expectSteady[name]({ published, polls, host: new URL(baseUrl).host, epoch: srv.hub.epoch, config })
    expect({ read: counted.steadyRead, written: counted.steadyWritten }).toEqual(expected)

    const total = counted.steadyRead + counted.steadyWritten
    const jsonTotal = sum(published.map((m) => utf8Bytes(m.json)))
    rows.push([String(payloadBytes), name, String(MESSAGES), name.includes('poll') ? String(polls.answers.length) : '–',
      (counted.steadyRead / MESSAGES).toFixed(1), (counted.steadyWritten / MESSAGES).toFixed(1),
      ((total - jsonTotal) / MESSAGES).toFixed(1), ((total - MESSAGES * payloadBytes) / MESSAGES).toFixed(1)])
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
