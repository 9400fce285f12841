import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { createDeflateRaw, constants as zlib } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { ServerStats } from '../core/control.ts'
import { maxMessageBytes, resolveScenario, type ScenarioOptions } from '../core/config.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { wsClient } from '../clients/ws.ts'
import { WireByteCounter } from '../clients/wire-bytes.ts'
import { createServer, type FeedbenchServer } from './app.ts'

// RFC 6455 §1.3 and §4.2.2: the handshake's worked example
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d])
const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const

/** Wire bytes of one frame of `payloadBytes` (RFC 6455 §5.2): 2-byte head, 0/2/8-byte extended length, 4-byte mask from clients. */
function wsFrameBytes (payloadBytes: number, isMasked: boolean): number {
  const extended = payloadBytes < 126 ? 0 : payloadBytes < 65_536 ? 2 : 8
  return 2 + extended + (isMasked ? 4 : 0) + payloadBytes
}

interface FrameSpec {
  readonly opcode: number
  readonly payload?: Buffer | string
  readonly fin?: boolean
  /** RSV1..3 as the bits 0b100, 0b010, 0b001. */
  readonly rsv?: number
  readonly isMasked?: boolean
  /** Length encoding: minimal (default), or forced 16-bit / 64-bit. */
  readonly lengthForm?: 'minimal' | '16' | '64'
  /** A length to announce instead of the payload's (the payload sent is then cut short or padded by the caller). */
  readonly declaredLength?: bigint
}

/** Builds one client frame by hand (RFC 6455 §5.2), masked unless told otherwise. */
function frame (spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : spec.payload ?? Buffer.alloc(0)
  const isMasked = spec.isMasked ?? true
  const length = spec.declaredLength ?? BigInt(payload.length)
  const form = spec.lengthForm ?? (length < 126n ? 'minimal' : length < 65_536n ? '16' : '64')
  const b0 = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode
  const maskBit = isMasked ? 0x80 : 0
  let head: Buffer
  if (form === 'minimal') {
    head = Buffer.from([b0, maskBit | Number(length)])
  } else if (form === '16') {
    head = Buffer.alloc(4)
    head.writeUInt8(b0, 0)
    head.writeUInt8(maskBit | 126, 1)
    head.writeUInt16BE(Number(length), 2)
  } else {
    head = Buffer.alloc(10)
    head.writeUInt8(b0, 0)
    head.writeUInt8(maskBit | 127, 1)
    head.writeBigUInt64BE(length, 2)
  }
  if (!isMasked) return Buffer.concat([head, payload])
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (MASK[i % 4] as number)))
  return Buffer.concat([head, MASK, masked])
}

function closePayload (code: number, reason = ''): Buffer {
  const buf = Buffer.alloc(2 + Buffer.byteLength(reason))
  buf.writeUInt16BE(code, 0)
  buf.write(reason, 2)
  return buf
}

interface ServerFrame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** A hand-driven WebSocket client on a raw TCP socket: writes what it is given, parses the server's (unmasked) frames. */
interface RawWs {
  readonly socket: Socket
  readonly frames: ServerFrame[]
  /** The HTTP response head (status line and headers). */
  readonly head: () => string
  /** Resolves with the close code the server sent (1005 for an empty close payload), or 1006 if the TCP connection ended without one. */
  readonly closeCode: () => Promise<number>
  /** Resolves when the server ended or reset the TCP connection. */
  readonly ended: Promise<void>
}

const sockets: Socket[] = []

function handshake (path: string, extraHeaders = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n${extraHeaders}\r\n`
}

async function openRaw (url: string, options: { query?: string, extraHeaders?: string, firstBytes?: Buffer } = {}): Promise<RawWs> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  sockets.push(socket)
  await once(socket, 'connect')
  const request = Buffer.from(handshake(`${PATHS.ws}?${options.query ?? 'client=c0&stream=feed'}`, options.extraHeaders))
  socket.write(options.firstBytes === undefined ? request : Buffer.concat([request, options.firstBytes]))
  let buffered = Buffer.alloc(0)
  let head: string | undefined
  const frames: ServerFrame[] = []
  const waiters = new Set<() => void>()
  const ended = new Promise<void>((resolve) => { socket.once('close', () => resolve()) })
  socket.on('error', () => {})
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    if (head === undefined) {
      const end = buffered.indexOf('\r\n\r\n')
      if (end === -1) return
      head = buffered.subarray(0, end).toString('latin1')
      buffered = buffered.subarray(end + 4)
    }
    for (;;) {
      const parsed = parseFrame(buffered)
      if (parsed === undefined) break
      frames.push(parsed.frame)
      buffered = buffered.subarray(parsed.size)
    }
    for (const wake of [...waiters]) wake()
  })
  await new Promise<void>((resolve, reject) => {
    const check = (): void => { if (head !== undefined) { waiters.delete(check); resolve() } }
    waiters.add(check)
    socket.once('close', () => (head === undefined ? reject(new Error('closed before a response head')) : resolve()))
  })
  return {
    socket,
    frames,
    head: () => head ?? '',
    ended,
    async closeCode () {
      const find = (): ServerFrame | undefined => frames.find((f) => f.opcode === OP.close)
      await Promise.race([
        ended,
        new Promise<void>((resolve) => {
          const check = (): void => { if (find() !== undefined) { waiters.delete(check); resolve() } }
          waiters.add(check)
          check()
        }),
      ])
      const close = find()
      if (close === undefined) return 1006
      return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005
    },
  }
}

function parseFrame (buf: Buffer): { frame: ServerFrame, size: number } | undefined {
  if (buf.length < 2) return undefined
  const b0 = buf[0] as number
  const b1 = buf[1] as number
  let length = b1 & 0x7f
  let offset = 2
  if (length === 126) {
    if (buf.length < 4) return undefined
    length = buf.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buf.length < 10) return undefined
    length = Number(buf.readBigUInt64BE(2))
    offset = 10
  }
  if (buf.length < offset + length) return undefined
  return { frame: { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: Buffer.from(buf.subarray(offset, offset + length)) }, size: offset + length }
}

/** Reads an HTTP response on a raw socket until the server ends it, or until its head is complete. */
async function rawHttp (url: string, request: string): Promise<{ status: number, head: string }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  sockets.push(socket)
  await once(socket, 'connect')
  socket.write(request)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  socket.on('error', () => {})
  await new Promise<void>((resolve) => {
    socket.on('data', () => { if (text.includes('\r\n\r\n')) resolve() })
    socket.once('close', () => resolve())
  })
  const head = text.slice(0, text.indexOf('\r\n\r\n'))
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head }
}

function upstreamJson (payload = 'x', seq = 1): string {
  return JSON.stringify({ client: 'c0', seq, tSchedUs: 1, payload })
}

async function until (predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function startServer (options: Partial<ScenarioOptions> = {}): Promise<{ server: FeedbenchServer, url: string }> {
  // chat: a valid upstream frame is published to 'feed', so "delivered" is observable as hub.lastSeq('feed')
  const config = resolveScenario({ name: 'ws-protocol', pattern: 'chat', clients: 4, payloadBytes: 1024, upstreamPayloadBytes: 1024, ...options })
  const server = createServer({ config, transports: ['ws'] })
  const url = await server.listen(0)
  server.hub.run(600_000)
  return { server, url }
}

let shared: { server: FeedbenchServer, url: string }
const extraServers: FeedbenchServer[] = []
beforeAll(async () => { shared = await startServer() })
afterAll(async () => { await shared.server.app.close() })
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(extraServers.splice(0).map(async (s) => { await s.app.close() }))
})

async function protocolErrors (url: string): Promise<number> {
  return (await (await fetch(url + PATHS.controlStats)).json() as ServerStats).protocolErrors ?? 0
}

describe('ws handshake (RFC 6455 §4)', () => {
  it('ws: Sec-WebSocket-Accept of the RFC sample key is SHA-1(key + GUID) = s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', async () => {
    expect(createHash('sha1').update(SAMPLE_KEY + GUID).digest('base64')).toBe(SAMPLE_ACCEPT)
    const raw = await openRaw(shared.url)
    expect(raw.head()).toMatch(/^HTTP\/1\.1 101 /)
    expect(raw.head()).toContain(`Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}`)
  })

  it.each([
    ['POST upgrade', 404, `POST ${PATHS.ws}?client=c0&stream=feed HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\nContent-Length: 0\r\n\r\n`],
    ['no Upgrade header', 404, `GET ${PATHS.ws}?client=c0&stream=feed HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n\r\n`],
    ['Upgrade: foo', 400, `GET ${PATHS.ws}?client=c0&stream=feed HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: foo\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n\r\n`],
    ['a bad key', 400, `GET ${PATHS.ws}?client=c0&stream=feed HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n`],
    ['version 12', 400, `GET ${PATHS.ws}?client=c0&stream=feed HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n\r\n`],
    ['an unknown path', 404, handshake('/nope?client=c0&stream=feed')],
  ])('ws: an upgrade with %s is refused with %i, never 101', async (what, status, request) => {
    const res = await rawHttp(shared.url, request)
    expect(res.status).toBe(status)
    if (what === 'version 12') expect(res.head).toMatch(/\r\nSec-WebSocket-Version: 13, 8(\r\n|$)/i)
  })

  it('ws: bare ws (no Fastify routing) refuses a non-GET upgrade with 405', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    const url = `http://127.0.0.1:${(wss.address() as { port: number }).port}`
    try {
      const res = await rawHttp(url, handshake('/').replace(/^GET/, 'POST'))
      expect(res.status).toBe(405)
    } finally {
      await new Promise((resolve) => wss.close(resolve))
    }
  })

  it('ws: a plain GET on the ws route is 404 and the server keeps serving', async () => {
    const res = await fetch(`${shared.url}${PATHS.ws}?client=c0&stream=feed`)
    expect(res.status).toBe(404)
    expect((await fetch(shared.url + PATHS.controlInfo)).status).toBe(200)
    const raw = await openRaw(shared.url)
    expect(raw.head()).toMatch(/^HTTP\/1\.1 101 /)
  })
})

describe('ws frame sizes (RFC 6455 §5.2)', () => {
  const table = [[0, 2, 6], [125, 127, 131], [126, 130, 134], [65_535, 65_539, 65_543], [65_536, 65_546, 65_550]] as const

  it('ws: the overhead formula gives the frame-size table of RELIABILITY.md', () => {
    for (const [n, down, up] of table) expect([wsFrameBytes(n, false), wsFrameBytes(n, true)]).toEqual([down, up])
  })

  it('ws: socket bytesRead / bytesWritten per message match the table in both directions', async () => {
    // the server's ws options (permessage-deflate off) on a bare ws server, so any payload size can be sent both ways
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 1 << 20 })
    await once(wss, 'listening')
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, { perMessageDeflate: false })
    await once(client, 'open')
    const [server] = await accepted
    const serverSocket = (server as unknown as { _socket: Socket })._socket
    const clientSocket = (client as unknown as { _socket: Socket })._socket
    const received: number[] = []
    client.on('message', (data: Buffer) => received.push(data.length))
    server.on('message', (data: Buffer) => received.push(data.length))
    try {
      for (const [n, down, up] of table) {
        const payload = 'a'.repeat(n)
        let before = [serverSocket.bytesWritten, clientSocket.bytesRead]
        await new Promise<void>((resolve, reject) => server.send(payload, (err) => (err == null ? resolve() : reject(err))))
        await until(() => received.length === 1)
        expect([serverSocket.bytesWritten - (before[0] as number), clientSocket.bytesRead - (before[1] as number)]).toEqual([down, down])
        before = [clientSocket.bytesWritten, serverSocket.bytesRead]
        await new Promise<void>((resolve, reject) => client.send(payload, (err) => (err == null ? resolve() : reject(err))))
        await until(() => received.length === 2)
        expect([clientSocket.bytesWritten - (before[0] as number), serverSocket.bytesRead - (before[1] as number)]).toEqual([up, up])
        expect(received).toEqual([n, n])
        received.length = 0
      }
    } finally {
      client.terminate()
      await new Promise((resolve) => wss.close(resolve))
    }
  })

  it('ws: a feedbench envelope costs exactly wsFrameBytes(JSON length) on the client socket', async () => {
    const raw = await openRaw(shared.url, { query: 'client=c1&stream=feed' })
    const before = raw.socket.bytesRead
    const seq = shared.server.hub.lastSeq('feed') + 1
    shared.server.hub.upstream({ client: 'c1', seq: 1, tSchedUs: 1, payload: 'p'.repeat(300) })
    await until(() => raw.frames.length === 1)
    const json = shared.server.hub.read('feed', seq - 1, 1).messages[0]?.json ?? ''
    expect(raw.frames[0]?.payload.toString()).toBe(json)
    expect(raw.socket.bytesRead - before).toBe(wsFrameBytes(Buffer.byteLength(json), false))
  })
})

describe('ws bad frames over a raw socket', () => {
  const valid = upstreamJson()
  const cases: Array<[string, number, () => Buffer]> = [
    ['an unmasked client frame carrying a valid message', 1002, () => frame({ opcode: OP.text, payload: valid, isMasked: false })],
    ['RSV1 without permessage-deflate', 1002, () => frame({ opcode: OP.text, payload: valid, rsv: 0b100 })],
    ['RSV2', 1002, () => frame({ opcode: OP.text, payload: valid, rsv: 0b010 })],
    ['RSV3', 1002, () => frame({ opcode: OP.text, payload: valid, rsv: 0b001 })],
    ['reserved data opcode 0x3', 1002, () => frame({ opcode: 0x3, payload: valid })],
    ['reserved control opcode 0xB', 1002, () => frame({ opcode: 0xb, payload: 'x' })],
    ['a ping with a 126-byte payload', 1002, () => frame({ opcode: OP.ping, payload: Buffer.alloc(126, 1) })],
    ['a fragmented ping (FIN = 0)', 1002, () => frame({ opcode: OP.ping, payload: 'p', fin: false })],
    ['a continuation frame without a start', 1002, () => frame({ opcode: OP.cont, payload: valid })],
    ['a new text frame inside a fragmented message', 1002, () => Buffer.concat([frame({ opcode: OP.text, payload: valid.slice(0, 5), fin: false }), frame({ opcode: OP.text, payload: valid })])],
    ['invalid UTF-8 C0 AF in a text frame', 1007, () => frame({ opcode: OP.text, payload: Buffer.from([0x22, 0xc0, 0xaf, 0x22]) })],
    ['a lone surrogate ED A0 80 in a text frame', 1007, () => frame({ opcode: OP.text, payload: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]) })],
    ['invalid UTF-8 split across fragments', 1007, () => Buffer.concat([frame({ opcode: OP.text, payload: Buffer.from([0x22, 0xc0]), fin: false }), frame({ opcode: OP.cont, payload: Buffer.from([0xaf, 0x22]) })])],
    ['a close frame with a 1-byte payload', 1002, () => frame({ opcode: OP.close, payload: Buffer.from([0x03]) })],
    ...[1004, 1005, 1006, 999, 1015, 1016, 5000].map((code): [string, number, () => Buffer] =>
      [`a close frame with code ${code}`, 1002, () => frame({ opcode: OP.close, payload: closePayload(code) })]),
    ['a close reason that is not UTF-8', 1007, () => frame({ opcode: OP.close, payload: Buffer.concat([closePayload(1000), Buffer.from([0xc0, 0xaf])]) })],
    ['a message of maxPayload + 1 bytes announced in one frame (rejected on its header)', 1009, () => frame({ opcode: OP.text, payload: 'x'.repeat(10), declaredLength: BigInt(maxMessageBytes(shared.server.hub.config) + 1) })],
    ['a message of maxPayload + 1 bytes in 512-byte fragments', 1009, () => {
      const total = maxMessageBytes(shared.server.hub.config) + 1
      const parts: Buffer[] = []
      for (let sent = 0; sent < total; sent += 512) {
        const size = Math.min(512, total - sent)
        parts.push(frame({ opcode: sent === 0 ? OP.text : OP.cont, payload: Buffer.alloc(size, 0x61), fin: sent + size >= total }))
      }
      return Buffer.concat(parts)
    }],
    ['a 64-bit length with its most significant bit set', 1009, () => frame({ opcode: OP.text, payload: 'x', declaredLength: 1n << 63n })],
    ['a 64-bit length of 2^53 (above Number.MAX_SAFE_INTEGER)', 1009, () => frame({ opcode: OP.text, payload: 'x', declaredLength: 1n << 53n })],
    ['a 64-bit length of 2^53 - 1 (safe but above maxPayload)', 1009, () => frame({ opcode: OP.text, payload: 'x', declaredLength: (1n << 53n) - 1n })],
  ]

  it.each(cases)('ws: %s gets close %i and delivers nothing', async (_what, code, bytes) => {
    const { server, url } = shared
    const lastSeq = server.hub.lastSeq('feed')
    const errorsBefore = await protocolErrors(url)
    const raw = await openRaw(url, { query: 'client=c2&stream=feed' })
    raw.socket.write(bytes())
    expect(await raw.closeCode()).toBe(code)
    await raw.ended
    expect(server.hub.lastSeq('feed')).toBe(lastSeq)
    await until(() => server.openConnections() === 0)
    // a protocol error is counted, never silent
    expect(await protocolErrors(url)).toBe(errorsBefore + 1)
  })

  it('ws: 200k zero-length fragments get close 1008 (ws >= 8.22 counts empty fragments) with bounded memory', async () => {
    const raw = await openRaw(shared.url, { query: 'client=c2&stream=feed' })
    const rssBefore = process.memoryUsage().rss
    const empty = frame({ opcode: OP.cont, fin: false })
    const flood = Buffer.concat([frame({ opcode: OP.text, fin: false }), ...Array.from({ length: 200_000 }, () => empty)])
    raw.socket.write(flood)
    expect(await raw.closeCode()).toBe(1008)
    await raw.ended
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024)
  })

  it('ws: a close with 1000 and a 123-byte reason is echoed, then the server closes TCP', async () => {
    const raw = await openRaw(shared.url, { query: 'client=c2&stream=feed' })
    const reason = 'r'.repeat(123) // 2 + 123 = 125, the largest control payload
    raw.socket.write(frame({ opcode: OP.close, payload: closePayload(1000, reason) }))
    expect(await raw.closeCode()).toBe(1000)
    const echo = raw.frames.find((f) => f.opcode === OP.close)
    expect(echo?.payload.subarray(2).toString()).toBe(reason)
    await raw.ended
    expect(raw.socket.readableEnded || raw.socket.destroyed).toBe(true)
  })

  it('ws: a close with 1000 from the ws client library reaches the client as 1000', async () => {
    const ws = new WebSocket(`${shared.url.replace('http', 'ws')}${PATHS.ws}?client=c3&stream=feed`, { perMessageDeflate: false })
    await once(ws, 'open')
    ws.close(1000, 'r'.repeat(123))
    const [code, reason] = await once(ws, 'close') as [number, Buffer]
    expect([code, reason.toString().length]).toEqual([1000, 123])
  })

  it('ws: a length encoded non-minimally (16-bit or 64-bit form for a short message) is tolerated like the minimal form', async () => {
    // RFC 6455 §5.2 asks senders for the minimal encoding; ws (like most receivers) does not enforce it on read.
    // Documented behaviour: such a frame is accepted and delivered exactly like its minimal twin.
    const { server, url } = shared
    const raw = await openRaw(url, { query: 'client=c0&stream=feed' })
    const lastSeq = server.hub.lastSeq('feed')
    raw.socket.write(Buffer.concat([
      frame({ opcode: OP.text, payload: upstreamJson('sixteen', 1), lengthForm: '16' }),
      frame({ opcode: OP.text, payload: upstreamJson('sixty-four', 2), lengthForm: '64' }),
      frame({ opcode: OP.text, payload: upstreamJson('minimal', 3) }),
    ]))
    await until(() => server.hub.lastSeq('feed') === lastSeq + 3)
    expect(server.hub.read('feed', lastSeq, 3).messages.map((m) => m.env.payload)).toEqual(['sixteen', 'sixty-four', 'minimal'])
  })

  it('ws: a ping in the middle of a fragmented message gets a pong with the same payload and the message arrives intact', async () => {
    const { server, url } = shared
    const raw = await openRaw(url, { query: 'client=c0&stream=feed' })
    const lastSeq = server.hub.lastSeq('feed')
    const text = upstreamJson('fragmented-with-ping')
    raw.socket.write(Buffer.concat([
      frame({ opcode: OP.text, payload: text.slice(0, 20), fin: false }),
      frame({ opcode: OP.ping, payload: 'are-you-there' }),
      frame({ opcode: OP.cont, payload: text.slice(20) }),
    ]))
    await until(() => raw.frames.some((f) => f.opcode === OP.pong) && server.hub.lastSeq('feed') === lastSeq + 1)
    expect(raw.frames.find((f) => f.opcode === OP.pong)?.payload.toString()).toBe('are-you-there')
    expect(server.hub.read('feed', lastSeq, 1).messages[0]?.env.payload).toBe('fragmented-with-ping')
  })

  it('ws: a message that arrives in the same TCP segment as the handshake is not dropped', async () => {
    const { server, url } = shared
    const lastSeq = server.hub.lastSeq('feed')
    await openRaw(url, { query: 'client=c0&stream=feed', firstBytes: frame({ opcode: OP.text, payload: upstreamJson('early-raw') }) })
    const ws = new WebSocket(`${url.replace('http', 'ws')}${PATHS.ws}?client=c1&stream=feed`, { perMessageDeflate: false })
    ws.on('open', () => ws.send(JSON.stringify({ client: 'c1', seq: 1, tSchedUs: 1, payload: 'early-open' })))
    await until(() => server.hub.lastSeq('feed') === lastSeq + 2)
    ws.terminate()
    expect(server.hub.read('feed', lastSeq, 2).messages.map((m) => m.env.payload).sort()).toEqual(['early-open', 'early-raw'])
  })
})

describe('ws with permessage-deflate on', () => {
  it('ws: a deflate bomb (≈100 KiB inflating to 100 MiB) gets close 1009 with bounded memory', async () => {
    const { server, url } = await startServer({ transports: { ws: { perMessageDeflate: true } } })
    extraServers.push(server)
    const raw = await openRaw(url, { extraHeaders: 'Sec-WebSocket-Extensions: permessage-deflate\r\n' })
    expect(raw.head()).toMatch(/Sec-WebSocket-Extensions: permessage-deflate/i)
    const bomb = await deflateZeros(100)
    expect(bomb.length).toBeLessThan(200 * 1024)
    const rssBefore = process.memoryUsage().rss
    raw.socket.write(frame({ opcode: OP.text, rsv: 0b100, payload: bomb }))
    expect(await raw.closeCode()).toBe(1009)
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024)
    expect(server.hub.lastSeq('feed')).toBe(0)
  })

  it('ws client: permessage-deflate asked by the scenario but not negotiated by the server fails the connect', async () => {
    const { server, url } = await startServer()
    extraServers.push(server)
    const config = resolveScenario({ name: 'ws-protocol', pattern: 'chat', clients: 4, transports: { ws: { perMessageDeflate: true } } })
    await expect(wsClient.connect({
      baseUrl: url,
      clientId: 'c0',
      stream: 'feed',
      afterSeq: undefined,
      config,
      sink: { message: () => {}, gap: () => {}, closed: () => {} },
      bytes: new WireByteCounter(),
    })).rejects.toMatchObject({ code: 'BENCH_ERR_PROTOCOL', message: expect.stringContaining('permessage-deflate') })
  })
})

describe('ws send after close', () => {
  it('ws client: a send after the server closed the connection rejects through the send callback', async () => {
    const { server, url } = await startServer()
    const closes: Array<number | undefined> = []
    const conn = await wsClient.connect({
      baseUrl: url,
      clientId: 'c0',
      stream: 'feed',
      afterSeq: undefined,
      config: server.hub.config,
      sink: { message: () => {}, gap: () => {}, closed: (info) => closes.push(info.code) },
      bytes: new WireByteCounter(),
    })
    await conn.send({ client: 'c0', seq: 1, tSchedUs: 1, payload: 'before' })
    await server.app.close()
    await until(() => closes.length === 1)
    expect(closes).toEqual([1001])
    await expect(conn.send({ client: 'c0', seq: 2, tSchedUs: 1, payload: 'after' })).rejects.toThrow(/not open|CLOS/i)
    await conn.close()
    await expect(conn.send({ client: 'c0', seq: 3, tSchedUs: 1, payload: 'after close()' })).rejects.toThrow()
  })
})

/** Raw-deflates `mebibytes` MiB of zeros in 1 MiB steps (never holding the inflated size) and strips the sync-flush tail (RFC 7692 §7.2.1). */
async function deflateZeros (mebibytes: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 })
  const chunks: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk))
  const zeros = Buffer.alloc(1024 * 1024)
  for (let i = 0; i < mebibytes; i++) deflate.write(zeros)
  await new Promise<void>((resolve) => deflate.flush(zlib.Z_SYNC_FLUSH, () => resolve()))
  deflate.close()
  const out = Buffer.concat(chunks)
  return out.subarray(0, out.length - 4)
}
