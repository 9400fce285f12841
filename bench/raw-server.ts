/**
 * The "raw" side of bench/harness-vs-raw.ts: a bare node:http server (plus a bare `ws` server) that
 * publishes the same envelopes as the suite's hub, on the same open-loop schedule (message k at
 * t0 + k / rate), batched per timer tick and written with the same per-tick cork. No Fastify, no hub,
 * no ring, no slow-consumer policy: what is left is the transport. Forked with an IPC channel; answers
 * POST /_feedbench/run like a suite server so one control client drives both.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Envelope } from '../core/envelope.ts'
import { nowUs } from '../core/clock.ts'
import { createPayloadSource } from '../core/payload.ts'
import { PATHS } from '../core/wire-protocol.ts'

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'ws' },
    rate: { type: 'string', default: '1000' },
    payload: { type: 'string', default: '128' },
    seed: { type: 'string', default: '1' },
  },
})
const ratePerSec = Number(values.rate)
const payloadBytes = Number(values.payload)
const payloadOf = createPayloadSource(Number(values.seed))
const epoch = 'raw00000'

/** One subscriber: how to write one frame, and the socket to cork around a batch. */
interface RawSubscriber {
  readonly socket: Socket
  write (frame: string): void
}

const subscribers = new Set<RawSubscriber>()
const isSse = values.transport === 'sse'

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === PATHS.controlRun) return startRun(req, res)
  if (isSse && req.method === 'GET' && req.url?.startsWith(PATHS.sse) === true) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    res.write(': ok\n\n')
    const sub: RawSubscriber = { socket: req.socket, write: (frame) => { res.write(frame) } }
    subscribers.add(sub)
    res.on('close', () => subscribers.delete(sub))
    return
  }
  res.writeHead(404).end()
})
server.keepAliveTimeout = 72_000

if (!isSse) {
  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  wss.on('connection', (ws: WebSocket, req) => {
    const sub: RawSubscriber = { socket: req.socket, write: (frame) => { ws.send(frame) } }
    subscribers.add(sub)
    ws.on('close', () => subscribers.delete(sub))
  })
}

let timer: NodeJS.Timeout | undefined

function startRun (req: NodeJS.ReadableStream, res: ServerResponse): void {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => { body += chunk })
  req.on('end', () => {
    const durationUs = (JSON.parse(body) as { durationMs: number }).durationMs * 1000
    const t0Us = nowUs()
    clearTimeout(timer)
    publishFrom(t0Us, durationUs, 0)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ epoch, t0Us }))
  })
}

function publishFrom (t0Us: number, durationUs: number, firstK: number): void {
  const now = nowUs()
  const frames: string[] = []
  let k = firstK
  for (;; k++) {
    const offsetUs = Math.round(k * 1e6 / ratePerSec)
    if (offsetUs >= durationUs) break
    if (t0Us + offsetUs > now) {
      timer = setTimeout(publishFrom, Math.ceil((t0Us + offsetUs - now) / 1000), t0Us, durationUs, k)
      break
    }
    const seq = k + 1
    const env: Envelope = { stream: 'feed', epoch, seq, tSchedUs: t0Us + offsetUs, tSendUs: nowUs(), payload: payloadOf(seq, payloadBytes) }
    const json = JSON.stringify(env)
    frames.push(isSse ? `id: ${seq}\ndata: ${json}\n\n` : json)
  }
  for (const sub of subscribers) {
    // one write per tick, as the suite's 'per-tick' write policy does
    sub.socket.cork()
    for (const frame of frames) sub.write(frame)
    sub.socket.uncork()
  }
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number }
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${port}` })
})
process.once('SIGTERM', () => process.exit(0))
process.once('disconnect', () => process.exit(0))
