import { channel } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import type { ByteCounter } from '../core/adapters.ts'
import { errors } from '../core/errors.ts'
import { openCountedSocket } from './counted-socket.ts'

/**
 * The load generator's own HTTP/1.1 client for the suite's endpoints, in the way autocannon keeps its
 * own: one keep-alive socket per lane, one request at a time, the response parsed by hand into
 * callbacks. No Readable body stream, promise or AbortSignal per request, no generic header parsing:
 * a poll is sent thousands of times a second and the generator must cost less than the server it
 * measures (README, "The instrument"). It speaks only what the suite's servers answer: status line,
 * headers, then a body framed by Content-Length, chunked transfer coding, or the end of the connection.
 * Requests are written byte for byte as undici 7 writes them, so the wire-overhead calculator
 * (test-support/overhead.ts) covers both.
 */

/** What a request's answer is delivered to. */
export interface ResponseHandler {
  /** Status and the headers the client needs (lower-case names; content-type only). */
  onHead (statusCode: number, contentType: string): void
  /** A piece of the body, as it arrives (chunk framing removed); its bytes are valid during the call only (the read buffer is reused). */
  onData (chunk: Buffer): void
  /** The body is complete; the socket is free for the next request. */
  onEnd (): void
  /** The request failed (network error, timeout, malformed answer, closed lane); nothing follows. */
  onError (err: Error): void
}

/** Options of an Http1Client. */
export interface Http1ClientOptions {
  /** Longest wait for the status line and headers, and between two pieces of a body, ms (undici's headersTimeout, bodyTimeout). */
  readonly timeoutMs: number
  /** Every TCP socket is handed to it before its first byte (below TLS). */
  readonly bytes: ByteCounter
  /** Over https: the only certificate trusted (PEM). */
  readonly caPem?: string | undefined
}

/**
 * Published once per complete answer (its status code), like undici's 'undici:request:headers': the
 * harness counts answered polls with it (npm run bench:harness). Costs one property read unsubscribed.
 */
export const RESPONSE_CHANNEL = channel('feedbench:http1:response')

const CRLF = 0x0a
const MAX_HEAD_BYTES = 64 * 1024

type BodyFraming =
  | { readonly kind: 'length', left: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' }

/** Framing of a response head: Content-Length, chunked, or until close. Throws on a head it cannot frame. */
export function parseResponseHead (head: string): { statusCode: number, contentType: string, framing: BodyFraming, keepAlive: boolean } {
  const lines = head.split('\r\n')
  const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '')
  if (status === null) throw new errors.BENCH_ERR_PROTOCOL('http', `malformed status line ${JSON.stringify((lines[0] ?? '').slice(0, 100))}`)
  let contentType = ''
  let length: number | undefined
  let isChunked = false
  let keepAlive = status[1] === '1'
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string
    const colon = line.indexOf(':')
    if (colon <= 0) throw new errors.BENCH_ERR_PROTOCOL('http', `malformed header line ${JSON.stringify(line.slice(0, 100))}`)
    const name = line.slice(0, colon).toLowerCase()
    const value = line.slice(colon + 1).trim()
    switch (name) {
      case 'content-type': contentType = value; break
      case 'content-length': {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
          throw new errors.BENCH_ERR_PROTOCOL('http', `invalid content-length ${JSON.stringify(value)}`)
        }
        length = Number(value)
        break
      }
      case 'transfer-encoding': isChunked = value.toLowerCase().split(',').map((s) => s.trim()).at(-1) === 'chunked'; break
      case 'connection': keepAlive = !/(^|,)\s*close\s*(,|$)/i.test(value); break
    }
  }
  const statusCode = Number(status[2])
  // RFC 9112 §6.3: 1xx, 204 and 304 answers have no body; chunked wins over a Content-Length
  const hasNoBody = statusCode < 200 || statusCode === 204 || statusCode === 304
  const framing: BodyFraming = hasNoBody ? { kind: 'length', left: 0 } : isChunked ? { kind: 'chunked' } : length !== undefined ? { kind: 'length', left: length } : { kind: 'close' }
  return { statusCode, contentType, framing, keepAlive: keepAlive && framing.kind !== 'close' }
}

/**
 * Incremental decoder of one response: feed it socket data, it calls the handler. Returns from feed()
 * the bytes that belong to what follows the response (none from the suite's servers: one request at a
 * time), or null while the response is not complete.
 */
export class ResponseParser {
  private head: Buffer[] = []
  private headBytes = 0
  private framing: BodyFraming | undefined
  // chunked state: bytes left in the current chunk, or -1 while reading a size line; a trailer after the last chunk
  private chunkLeft = -1
  private sizeLine = ''
  private isInTrailer = false
  private isInChunkEnd = false
  private trailerLine = ''
  keepAlive = false
  isDone = false

  constructor (private readonly handler: ResponseHandler) {}

  /** Consumes `data`; returns what is left after the response ended (empty buffer), or null when it needs more. */
  feed (data: Buffer): Buffer | null {
    let rest: Buffer = data
    while (this.framing === undefined) {
      const end = this.findHeadEnd(rest)
      if (end < 0) {
        // a copy: `data` may be a read buffer that the next read overwrites
        this.head.push(Buffer.from(rest))
        this.headBytes += rest.length
        if (this.headBytes > MAX_HEAD_BYTES) throw new errors.BENCH_ERR_PROTOCOL('http', `response head larger than ${MAX_HEAD_BYTES} bytes`)
        return null
      }
      this.head.push(rest.subarray(0, end))
      const text = Buffer.concat(this.head).toString('latin1')
      rest = rest.subarray(end)
      this.head = []
      this.headBytes = 0
      const parsed = parseResponseHead(text.slice(0, -4))
      // an interim answer (100 Continue) is followed by the real one
      if (parsed.statusCode < 200) continue
      this.framing = parsed.framing
      this.keepAlive = parsed.keepAlive
      this.handler.onHead(parsed.statusCode, parsed.contentType)
    }
    return this.body(rest)
  }

  /** The connection ended: a close-delimited body is complete now; anything else was cut short. */
  end (): boolean {
    if (this.isDone) return true
    if (this.framing?.kind === 'close') {
      this.finish()
      return true
    }
    return false
  }

  // index just past the blank line ending the head in head-so-far + data, relative to data; -1 if absent
  private findHeadEnd (data: Buffer): number {
    // the blank line may straddle two socket reads: look back into what is buffered
    const tail = this.head.length === 0 ? '' : Buffer.concat(this.head).subarray(-3).toString('latin1')
    if (tail !== '') {
      const probe = tail + data.subarray(0, 3).toString('latin1')
      const at = probe.indexOf('\r\n\r\n')
      if (at >= 0) return at + 4 - tail.length
    }
    const at = data.indexOf('\r\n\r\n', 0, 'latin1')
    return at < 0 ? -1 : at + 4
  }

  private body (data: Buffer): Buffer | null {
    const framing = this.framing as BodyFraming
    if (framing.kind === 'close') {
      if (data.length > 0) this.handler.onData(data)
      return null
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.left, data.length)
      if (take > 0) this.handler.onData(data.subarray(0, take))
      framing.left -= take
      if (framing.left > 0) return null
      this.finish()
      return data.subarray(take)
    }
    return this.chunked(data)
  }

  private chunked (data: Buffer): Buffer | null {
    let i = 0
    while (i < data.length) {
      if (this.isInTrailer) {
        // trailer fields up to the blank line (RFC 9112 §7.1.2); the suite's servers send none
        const nl = data.indexOf(CRLF, i)
        if (nl < 0) { this.trailerLine += data.toString('latin1', i); return null }
        const line = (this.trailerLine + data.toString('latin1', i, nl)).replace(/\r$/, '')
        this.trailerLine = ''
        i = nl + 1
        if (line === '') {
          this.finish()
          return data.subarray(i)
        }
        continue
      }
      if (this.isInChunkEnd) {
        // the CRLF after a chunk's data
        const nl = data.indexOf(CRLF, i)
        if (nl < 0) return null
        i = nl + 1
        this.isInChunkEnd = false
        continue
      }
      if (this.chunkLeft < 0) {
        const nl = data.indexOf(CRLF, i)
        if (nl < 0) {
          this.sizeLine += data.toString('latin1', i)
          if (this.sizeLine.length > 1024) throw new errors.BENCH_ERR_PROTOCOL('http', 'chunk size line longer than 1024 bytes')
          return null
        }
        let size = this.sizeLine === '' ? hexSize(data, i, nl) : -1
        if (size < 0) {
          // a size line split across reads, with an extension, or malformed: the general path
          const line = (this.sizeLine + data.toString('latin1', i, nl)).replace(/\r$/, '')
          const m = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line)
          if (m === null) throw new errors.BENCH_ERR_PROTOCOL('http', `malformed chunk size ${JSON.stringify(line.slice(0, 40))}`)
          size = parseInt(m[1] as string, 16)
        }
        this.sizeLine = ''
        i = nl + 1
        if (size === 0) this.isInTrailer = true
        else this.chunkLeft = size
        continue
      }
      const take = Math.min(this.chunkLeft, data.length - i)
      this.handler.onData(data.subarray(i, i + take))
      i += take
      this.chunkLeft -= take
      if (this.chunkLeft === 0) {
        this.chunkLeft = -1
        this.isInChunkEnd = true
      }
    }
    return null
  }

  private finish (): void {
    this.isDone = true
    this.handler.onEnd()
  }
}

/** The chunk size on data[start, nl) when it is 1–12 hex digits then CR (the common line), else −1. */
function hexSize (data: Buffer, start: number, nl: number): number {
  const end = nl - 1
  if (end <= start || end - start > 12 || data[end] !== 0x0d) return -1
  let size = 0
  for (let j = start; j < end; j++) {
    const c = data[j] as number
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1
    if (digit < 0) return -1
    size = size * 16 + digit
  }
  return size
}

// Requests written after the reads of this turn of the event loop, at most this many per turn.
const WRITES_PER_TURN = 128
const pendingWrites: Array<{ socket: Socket, text: string }> = []
let isFlushScheduled = false

/**
 * Queues a request's bytes for the check phase of this turn of the event loop instead of writing them
 * at once. A fan-out answers thousands of held polls together and each answer's handler asks again: a
 * write is a syscall that hands the bytes through loopback TCP (about 15 µs), and written inline they
 * would hold back the reading, and so the receive time, of every answer still waiting in the kernel.
 * Reads first, then writes, in bounded slices so timers and new reads run in between.
 */
function writeSoon (socket: Socket, text: string): void {
  pendingWrites.push({ socket, text })
  if (!isFlushScheduled) {
    isFlushScheduled = true
    setImmediate(flushWrites)
  }
}

function flushWrites (): void {
  const batch = pendingWrites.splice(0, WRITES_PER_TURN)
  for (const { socket, text } of batch) {
    // utf-8: a POST body may hold any text; a request head is ASCII either way
    if (!socket.destroyed) socket.write(text)
  }
  if (pendingWrites.length > 0) setImmediate(flushWrites)
  else isFlushScheduled = false
}

/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time; it connects on its first
 * request and again after the server closed it. Not a pool: each lane of a client is one of these.
 */
export class Http1Lane {
  private socket: Socket | undefined
  private parser: ResponseParser | undefined
  private handler: ResponseHandler | undefined
  private isDestroyed = false
  private isPaused = false

  private readonly hostHeader: string

  /** `origin`: http://host:port of the server. */
  constructor (origin: string, private readonly options: Http1ClientOptions) {
    const url = new URL(origin)
    this.host = url.hostname.replace(/^\[|\]$/g, '')
    this.isTls = url.protocol === 'https:'
    this.port = Number(url.port === '' ? (this.isTls ? 443 : 80) : url.port)
    this.hostHeader = url.host
  }

  private readonly host: string
  private readonly port: number
  private readonly isTls: boolean

  /** Sends one request; the answer goes to `handler`. Only one request may be in flight. */
  request (method: 'GET' | 'POST', path: string, headers: string, body: string | undefined, handler: ResponseHandler): void {
    if (this.isDestroyed) return handler.onError(new errors.BENCH_ERR_PROTOCOL('http', 'the client was closed'))
    if (this.handler !== undefined) return handler.onError(new Error('a request is already in flight on this lane'))
    this.handler = handler
    const socket = this.socket ?? this.open()
    const parser: ResponseParser = new ResponseParser({
      onHead: (status, type) => {
        if (RESPONSE_CHANNEL.hasSubscribers) RESPONSE_CHANNEL.publish(status)
        handler.onHead(status, type)
      },
      onData: (chunk) => { handler.onData(chunk) },
      onError: (err) => { handler.onError(err) },
      onEnd: () => {
        // free the lane first: the handler may send the next request from onEnd
        socket.setTimeout(0)
        this.parser = undefined
        this.handler = undefined
        if (!parser.keepAlive) this.drop(socket)
        handler.onEnd()
      },
    })
    this.parser = parser
    // the same bytes, in the same order, as undici 7 writes them
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nconnection: keep-alive\r\n${headers}`
    writeSoon(socket, body === undefined ? head + '\r\n' : `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    socket.setTimeout(this.options.timeoutMs)
  }

  /** Opens the connection ahead of the first request; idle, it has no timeout until a request is in flight. */
  preconnect (): void {
    if (this.isDestroyed || this.socket !== undefined) return
    this.open().setTimeout(0)
  }

  /** Stops reading the socket (the server's writes back up into its buffers, as with a frozen reader). */
  pause (): void {
    this.isPaused = true
    this.socket?.pause()
  }

  resume (): void {
    this.isPaused = false
    this.socket?.resume()
  }

  /** Closes the socket; a request in flight fails with `reason`. */
  destroy (reason = 'the client was closed'): void {
    if (this.isDestroyed) return
    this.isDestroyed = true
    if (this.socket !== undefined) this.drop(this.socket)
    this.fail(new errors.BENCH_ERR_PROTOCOL('http', reason))
  }

  private open (): Socket {
    // counted at the TCP socket, below TLS when there is TLS (what a user pays)
    // a socket this lane has dropped (or replaced) speaks for no request any more
    const socket = openCountedSocket({ hostname: this.host, port: this.port, caPem: this.isTls ? this.options.caPem : undefined, alpn: ['http/1.1'] },
      this.options.bytes, (data) => { if (this.socket === socket) this.onData(socket, data) })
    socket.setTimeout(this.options.timeoutMs)
    this.socket = socket
    if (this.isPaused) socket.pause()
    socket.on('timeout', () => {
      if (this.socket !== socket) return
      this.fail(new errors.BENCH_ERR_TIMEOUT('http response (client timeout: nothing arrived)', this.options.timeoutMs))
      this.drop(socket)
    })
    socket.on('error', (err) => { if (this.socket === socket) this.fail(err) })
    socket.on('close', () => {
      if (this.socket !== socket) return
      this.socket = undefined
      if (this.parser?.end() === true) return
      this.fail(new errors.BENCH_ERR_PROTOCOL('http', 'the server closed the connection'))
    })
    return socket
  }

  private onData (socket: Socket, data: Buffer): void {
    const parser = this.parser
    if (parser === undefined) {
      // bytes with no request in flight: the server broke the protocol; drop the connection
      socket.destroy()
      return
    }
    let rest: Buffer | null
    try {
      rest = parser.feed(data)
    } catch (err) {
      this.fail(err as Error)
      this.drop(socket)
      return
    }
    // bytes after a complete answer, with no request for them: the server broke the protocol
    if (rest !== null && rest.length > 0) this.drop(socket)
  }

  private drop (socket: Socket): void {
    socket.destroy()
    if (this.socket === socket) this.socket = undefined
  }

  private fail (err: Error): void {
    const handler = this.handler
    this.handler = undefined
    this.parser = undefined
    handler?.onError(err)
  }
}
