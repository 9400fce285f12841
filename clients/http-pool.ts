import { Pool } from 'undici'
import type { UpstreamMessage } from '../core/envelope.ts'
import type { ClientConnectOptions, ClientConnection, ConnectionClosed, ClientSink } from '../core/adapters.ts'
import { openCountedSocket, whenConnected } from './counted-socket.ts'
import { ReadGate } from './read-gate.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { sendsUpstream } from '../core/streams.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { Http1Lane, type ResponseHandler } from './http1-client.ts'

/** What an HTTP transport's client does over HTTP/1.1 or HTTP/2: one downstream request at a time, upstream POSTs, pause, close. */
export interface HttpClient {
  /** Sends a downstream GET; the answer goes to `handler` as it arrives. */
  get (path: string, headers: Readonly<Record<string, string>>, handler: ResponseHandler): void
  /** POSTs one upstream message; rejects unless the server answers 204. */
  post (message: UpstreamMessage): Promise<void>
  /** Stops reading the downstream answer (its bytes back up into the server), until resume(). */
  pause (): void
  resume (): void
  /** Closes every connection; requests in flight or waiting fail. */
  destroy (): void
}

type ClientOptions = Pick<ClientConnectOptions, 'baseUrl' | 'config' | 'bytes' | 'caPem' | 'httpVersion'>

/**
 * The client of one logical connection. HTTP/1.1 (plain or TLS) uses the suite's own client
 * (clients/http1-client.ts, the cheapest per request); HTTP/2 uses undici's, one connection per client.
 */
export function createHttpClient (options: ClientOptions): HttpClient {
  if (options.baseUrl.startsWith('https:') && options.caPem === undefined) {
    throw new errors.BENCH_ERR_OPTION_INVALID('caPem', 'none given', `the server's certificate to trust for ${options.baseUrl}`)
  }
  return options.httpVersion === '2' ? new H2Client(options) : new H1Client(options)
}

/** Request headers as the wire carries them, in insertion order. */
function headerLines (headers: Readonly<Record<string, string>>): string {
  let lines = ''
  for (const [name, value] of Object.entries(headers)) lines += `${name}: ${value}\r\n`
  return lines
}

/**
 * HTTP/1.1: one lane for the downstream request (SSE stream, held or periodic poll), one for upstream
 * POSTs: more would hide HTTP/1.1's head-of-line cost, fewer would queue upstream behind a held poll.
 * Upstream POSTs wait their turn on their lane, oldest first.
 */
class H1Client implements HttpClient {
  private readonly down: Http1Lane
  private readonly up: Http1Lane
  private readonly upstream: Array<() => void> = []
  private isUpBusy = false

  constructor (options: ClientOptions) {
    const lane = { timeoutMs: options.config.clientTimeoutMs, bytes: options.bytes, caPem: options.caPem }
    this.down = new Http1Lane(options.baseUrl, lane)
    this.up = new Http1Lane(options.baseUrl, lane)
    // open while the page is: a round's window then sees steady-state POSTs on a kept-alive connection,
    // not each client's first one paying a TCP handshake (in a 5 s round most POSTs would be first ones)
    if (sendsUpstream(options.config.pattern)) this.up.preconnect()
  }

  get (path: string, headers: Readonly<Record<string, string>>, handler: ResponseHandler): void {
    this.down.request('GET', path, headerLines(headers), undefined, handler)
  }

  post (message: UpstreamMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const send = (): void => {
        let statusCode = 0
        this.up.request('POST', PATHS.upstream, 'content-type: application/json\r\n', JSON.stringify(message), {
          onHead (status) { statusCode = status },
          onData () {},
          onEnd: () => {
            this.next()
            if (statusCode === 204) resolve()
            else reject(new errors.BENCH_ERR_PROTOCOL('upstream', `POST ${PATHS.upstream} answered ${statusCode}, expected 204`))
          },
          onError: (err) => { this.next(); reject(err) },
        })
      }
      if (this.isUpBusy) {
        this.upstream.push(send)
      } else {
        this.isUpBusy = true
        send()
      }
    })
  }

  pause (): void { this.down.pause() }
  resume (): void { this.down.resume() }

  destroy (): void {
    this.down.destroy()
    this.up.destroy()
    // waiting POSTs run into the destroyed lane, which fails them at once
    for (const send of this.upstream.splice(0)) send()
  }

  private next (): void {
    const send = this.upstream.shift()
    if (send === undefined) this.isUpBusy = false
    else send()
  }
}

/** Concurrent h2 streams a client opens at most (a downstream request and its upstream POSTs in flight). */
const H2_STREAMS_PER_CLIENT = 32

/**
 * HTTP/2 over TLS: one undici connection carries every stream of the client, as a browser page's does;
 * its TCP socket is handed to the byte counter below TLS (openCountedSocket).
 */
class H2Client implements HttpClient {
  private readonly pool: Pool
  private controller: { pause (): void, resume (): void } | undefined
  private isPaused = false

  constructor (options: ClientOptions) {
    const { baseUrl, config, bytes } = options
    this.pool = new Pool(baseUrl, {
      connections: 1,
      allowH2: true,
      // undici dispatches one request at a time per connection unless told otherwise, h2 included: a held
      // stream or poll would then block every upstream POST behind it
      pipelining: H2_STREAMS_PER_CLIENT,
      headersTimeout: config.clientTimeoutMs,
      bodyTimeout: config.clientTimeoutMs,
      connect (target, callback) {
        const socket = openCountedSocket({
          hostname: target.hostname,
          port: Number(target.port === '' ? 443 : target.port),
          caPem: options.caPem,
          alpn: ['h2', 'http/1.1'],
        }, bytes)
        whenConnected(socket, true, config.clientTimeoutMs).then(() => callback(null, socket), (err: Error) => {
          socket.destroy()
          callback(err, null)
        })
      },
    })
  }

  get (path: string, headers: Readonly<Record<string, string>>, handler: ResponseHandler): void {
    // a dispatch handler rather than pool.request, which builds a Readable body stream (and its promises) per response
    this.pool.dispatch({ method: 'GET', path, headers: { ...headers } }, {
      // undici 7 handler API: onRequestStart marks the handler as one (without it undici expects the old callbacks)
      onRequestStart: (controller) => {
        this.controller = controller
        if (this.isPaused) controller.pause()
      },
      onResponseStart (_controller, status, responseHeaders) {
        const type = responseHeaders['content-type']
        handler.onHead(status, Array.isArray(type) ? String(type[0]) : String(type ?? ''))
      },
      onResponseData (_controller, chunk) { handler.onData(chunk) },
      onResponseEnd: () => { this.controller = undefined; handler.onEnd() },
      onResponseError: (_controller, err) => { this.controller = undefined; handler.onError(err) },
    })
  }

  async post (message: UpstreamMessage): Promise<void> {
    const res = await this.pool.request({
      method: 'POST',
      path: PATHS.upstream,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      // undici's h2 client holds a non-idempotent request until nothing else is in flight on the connection
      // (so it could never be replayed by accident): behind an open SSE stream or held poll, never. Nothing
      // replays it here; a POST lost with its connection is counted as failed, as a browser's fetch would be.
      idempotent: true,
    })
    await res.body.dump()
    if (res.statusCode !== 204) {
      throw new errors.BENCH_ERR_PROTOCOL('upstream', `POST ${PATHS.upstream} answered ${res.statusCode}, expected 204`)
    }
  }

  pause (): void {
    this.isPaused = true
    this.controller?.pause()
  }

  resume (): void {
    this.isPaused = false
    this.controller?.resume()
  }

  destroy (): void {
    this.pool.destroy().catch(() => {})
  }
}

/** A GET's complete answer: status, body as UTF-8 text, and when its last byte arrived (µs, nowUs). */
export interface TextAnswer {
  readonly statusCode: number
  readonly text: string
  readonly recvUs: number
}

/**
 * GETs `path` on the client's downstream connection and collects the whole body. Rejects on a network
 * error, a client timeout, or the client being closed.
 */
export function getText (client: HttpClient, path: string): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    let statusCode = 0
    let chunks: Buffer[] = []
    client.get(path, {}, {
      onHead (status) {
        statusCode = status
        chunks = []
      },
      // a copy: the chunk's bytes are the lane's read buffer, reused by the next read
      onData (chunk) { chunks.push(Buffer.from(chunk)) },
      onEnd () {
        const recvUs = nowUs()
        const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
        resolve({ statusCode, text: body.toString('utf8'), recvUs })
      },
      onError: reject,
    })
  })
}

/**
 * The ClientConnection of an HTTP transport (sse, long-poll, poll): `read` is its downstream loop over
 * the client and resolves (or rejects) when the connection ended without close(); the session is told
 * through sink.closed. Upstream goes by POST on the same client; pausing stops reading the downstream
 * response (and a polling loop at its next request).
 */
export function httpConnection (client: HttpClient, abort: AbortController, sink: ClientSink,
  read: (gate: ReadGate) => Promise<ConnectionClosed>): ClientConnection {
  let isClosing = false
  const gate = new ReadGate()
  const loop = read(gate).catch((err: unknown): ConnectionClosed => {
    const status = (err as { httpStatus?: number }).httpStatus
    return { ...(status === undefined ? {} : { code: status }), reason: (err as Error).message }
  }).then((info) => {
    if (isClosing) return
    isClosing = true
    abort.abort()
    client.destroy()
    sink.closed(info)
  })
  return {
    send: (message) => client.post(message),
    async close () {
      isClosing = true
      gate.resume()
      client.resume()
      abort.abort()
      client.destroy()
      await loop
    },
    pauseReading: () => {
      gate.pause()
      client.pause()
    },
    resumeReading: () => {
      gate.resume()
      client.resume()
    },
  }
}
