import { createHash, randomBytes } from 'node:crypto'
import type { connect as netConnect, Socket } from 'node:net'
import WebSocket from 'ws'
import type { ClientConnectOptions, ClientConnection, ClientTransport } from '../core/adapters.ts'
import { maxMessageBytes } from '../core/config.ts'
import { nowUs } from '../core/clock.ts'
import { isGap, parseDownstream } from '../core/envelope.ts'
import { errors } from '../core/errors.ts'
import { downstreamPath, PATHS } from '../core/wire-protocol.ts'
import { openCountedSocket } from './counted-socket.ts'
import { closeBody, encodeClientFrame, FrameReader, OPCODE } from './ws-frames.ts'

const CLOSE_GRACE_MS = 1_000
const MAX_HEAD_BYTES = 16 * 1024
// RFC 6455 §1.3
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/**
 * WebSocket client: one socket, envelopes as text frames down, upstream messages as text frames up.
 * Without compression it speaks RFC 6455 itself (handshake, frame reader, masked sends): the load
 * generator then spends one call per delivery, not the `ws` library's stream and event chain. With
 * permessage-deflate, which needs an inflater per connection, it is the `ws` library's client.
 */
export const wsClient: ClientTransport = {
  name: 'ws',
  connect: (options) => (options.config.transports.ws.perMessageDeflate ? connectWithLibrary(options) : connectLean(options)),
}

/** Connects, upgrades (RFC 6455 §4.1), then reads frames with FrameReader and writes masked frames. */
function connectLean (options: ClientConnectOptions): Promise<ClientConnection> {
  const { baseUrl, clientId, stream, afterSeq, afterEpoch, config, sink, bytes } = options
  const url = new URL(baseUrl)
  const isTls = url.protocol === 'https:'
  // the TCP socket is counted from its first byte, under TLS when wss (ws is HTTP/1.1 whatever --http says)
  const socket: Socket = openCountedSocket({
    hostname: url.hostname,
    port: url.port === '' ? (isTls ? 443 : 80) : Number(url.port),
    caPem: isTls ? options.caPem : undefined,
    alpn: ['http/1.1'],
  }, bytes, (chunk) => { onData(chunk) })
  const key = randomBytes(16).toString('base64')
  const path = downstreamPath(PATHS.ws, clientId, stream, { after: afterSeq, epoch: afterEpoch })
  let isOpen = false
  let isClosing = false
  let hasSentClose = false
  let closeCode: number | undefined
  let closeReason: string | undefined
  let recvUs = 0
  const reader = new FrameReader(maxMessageBytes(config), {
    text (payload) {
      try {
        const item = parseDownstream(payload.toString('utf8'))
        if (isGap(item)) sink.gap(item)
        else sink.message(item, recvUs)
      } catch (err) {
        abort(`protocol error: ${(err as Error).message}`)
      }
    },
    ping (payload) {
      if (!hasSentClose) socket.write(encodeClientFrame(OPCODE.pong, payload))
    },
    close (code, reason) {
      closeCode = code
      closeReason ??= reason === '' ? 'connection closed' : reason
      // RFC 6455 §5.5.1: answer a close with a close; the server then ends TCP
      if (!hasSentClose) {
        hasSentClose = true
        socket.write(encodeClientFrame(OPCODE.close, code === 1005 ? Buffer.alloc(0) : closeBody(code)))
      }
      socket.end()
    },
    error (_code, message) { abort(`protocol error: ${message}`) },
  })
  /** Drops the connection at once (the ws library's terminate()): abnormal closure, 1006. */
  function abort (reason: string): void {
    closeReason ??= reason
    hasSentClose = true
    socket.destroy()
  }
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve()
      if (isOpen && !isClosing) sink.closed({ code: closeCode ?? 1006, reason: closeReason ?? 'connection closed' })
    })
  })
  socket.on('error', (err) => { closeReason ??= err.message })
  const connection: ClientConnection = {
    send (message) {
      return new Promise((resolve, reject) => {
        if (hasSentClose || socket.destroyed) {
          reject(new Error(`WebSocket is not open: ${socket.destroyed ? 'CLOSED' : 'CLOSING'}`))
          return
        }
        socket.write(encodeClientFrame(OPCODE.text, Buffer.from(JSON.stringify(message))), (err) => (err === undefined || err === null ? resolve() : reject(err)))
      })
    },
    async close () {
      isClosing = true
      if (socket.destroyed) return
      if (!hasSentClose) {
        hasSentClose = true
        socket.write(encodeClientFrame(OPCODE.close, closeBody(1000)))
      }
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
      await closed
      clearTimeout(timer)
    },
    pauseReading: () => { socket.pause() },
    resumeReading: () => { socket.resume() },
  }

  let onData: (chunk: Buffer) => void = () => {}
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined
    const timer = setTimeout(() => fail(new Error(`Opening handshake has timed out after ${config.clientTimeoutMs} ms`)), config.clientTimeoutMs)
    function fail (err: Error): void {
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    socket.on('error', (err) => { if (!isOpen) fail(err) })
    socket.once('close', () => { if (!isOpen) fail(new Error(closeReason ?? 'socket closed during the opening handshake')) })
    onData = (chunk) => {
      if (isOpen) {
        recvUs = nowUs()
        reader.push(chunk)
        return
      }
      // a copy: the chunk may be the shared read buffer
      head = head === undefined ? Buffer.from(chunk) : Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) fail(new errors.BENCH_ERR_PROTOCOL('ws', `handshake response head above ${MAX_HEAD_BYTES} bytes`))
        return
      }
      const problem = handshakeProblem(head.subarray(0, end).toString('latin1'), key)
      if (problem !== undefined) {
        fail(new errors.BENCH_ERR_PROTOCOL('ws', `GET ${PATHS.ws}: ${problem}`))
        return
      }
      clearTimeout(timer)
      isOpen = true
      bytes.markSetupDone()
      resolve(connection)
      const rest = head.subarray(end + 4)
      head = undefined
      // frames that came with the handshake response
      if (rest.length > 0) {
        recvUs = nowUs()
        reader.push(rest)
      }
    }
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  })
}

/** What is wrong with a handshake response head (RFC 6455 §4.1, the client's checks), or undefined. */
export function handshakeProblem (head: string, key: string): string | undefined {
  const lines = head.split('\r\n')
  const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')
  if (status?.[1] !== '101') return `answered ${JSON.stringify((lines[0] ?? '').slice(0, 80))}, expected 101 Switching Protocols`
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'the 101 lacks "Upgrade: websocket"'
  if (!/\bupgrade\b/i.test(headers.get('connection') ?? '')) return 'the 101 lacks "Connection: Upgrade"'
  const accept = createHash('sha1').update(key + GUID).digest('base64')
  if (headers.get('sec-websocket-accept') !== accept) return 'Sec-WebSocket-Accept does not match the key'
  if (headers.has('sec-websocket-extensions')) return 'the server chose an extension the client did not offer'
  return undefined
}

/** The `ws` library's client, for permessage-deflate (it keeps an inflater per connection). */
async function connectWithLibrary (options: ClientConnectOptions): Promise<ClientConnection> {
  const { baseUrl, clientId, stream, afterSeq, afterEpoch, config, sink, bytes } = options
  const path = downstreamPath(PATHS.ws, clientId, stream, { after: afterSeq, epoch: afterEpoch })
  const isTls = baseUrl.startsWith('https:')
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, {
    // the ws client offers permessage-deflate unless told otherwise; the scenario decides for both sides
    perMessageDeflate: config.transports.ws.perMessageDeflate,
    maxPayload: maxMessageBytes(config),
    handshakeTimeout: config.clientTimeoutMs,
    // the TCP socket is counted from its first byte, under TLS when wss (ws is HTTP/1.1 whatever --http says)
    // ws calls it with the request options: host (brackets stripped) and port
    createConnection: ((target: { host?: string, port?: string | number }) => openCountedSocket({
      hostname: target.host ?? '127.0.0.1',
      port: Number(target.port ?? (isTls ? 443 : 80)),
      caPem: isTls ? options.caPem : undefined,
      alpn: ['http/1.1'],
    }, bytes)) as unknown as typeof netConnect,
  })
  let isOpen = false
  let isClosing = false
  let closeReason: string | undefined
  // attached before 'open': frames that arrive with the handshake response are emitted in the same tick
  socket.on('message', (data, isBinary) => {
    const recvUs = nowUs()
    try {
      if (isBinary) throw new Error('binary frame received; the feed sends text frames')
      const item = parseDownstream((data as Buffer).toString('utf8'))
      if (isGap(item)) sink.gap(item)
      else sink.message(item, recvUs)
    } catch (err) {
      closeReason = `protocol error: ${(err as Error).message}`
      socket.terminate()
    }
  })
  socket.on('error', (err) => { closeReason ??= err.message })
  const closed = new Promise<void>((resolve) => {
    socket.once('close', (code, reason) => {
      resolve()
      if (isOpen && !isClosing) sink.closed({ code, reason: closeReason ?? (reason.toString() || 'connection closed') })
    })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', reject)
      resolve()
    })
    socket.once('error', reject)
  })
  isOpen = true
  bytes.markSetupDone()
  if (config.transports.ws.perMessageDeflate && !socket.extensions.includes('permessage-deflate')) {
    isClosing = true
    socket.terminate()
    throw new errors.BENCH_ERR_PROTOCOL('ws', 'permessage-deflate is on in the scenario but the server did not negotiate it')
  }

  return {
    send (message) {
      return new Promise((resolve, reject) => {
        socket.send(JSON.stringify(message), (err) => (err === undefined || err === null ? resolve() : reject(err)))
      })
    },
    async close () {
      isClosing = true
      if (socket.readyState === WebSocket.CLOSED) return
      socket.close(1000)
      const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS)
      await closed
      clearTimeout(timer)
    },
    pauseReading: () => { socket.pause() },
    resumeReading: () => { socket.resume() },
  }
}
