import { Pool } from 'undici'
import type { UpstreamMessage } from '../core/envelope.ts'
import type { ClientConnectOptions, ClientConnection, ConnectionClosed, ClientSink } from '../core/adapters.ts'
import { openCountedSocket, whenConnected } from './counted-socket.ts'
import { ReadGate } from './read-gate.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { PATHS } from '../core/wire-protocol.ts'

// HTTP/1.1: one socket for the downstream request (SSE stream, held or periodic poll), one for upstream
// POSTs: more would hide HTTP/1.1's head-of-line cost, fewer would queue upstream behind a held poll.
// HTTP/2: one connection carries every stream of the client, as a browser page's does.
const CONNECTIONS_PER_CLIENT = { 1.1: 2, 2: 1 } as const

/** Concurrent h2 streams a client opens at most (a downstream request and its upstream POSTs in flight). */
const H2_STREAMS_PER_CLIENT = 32

/**
 * A per-connection undici pool whose every TCP socket is handed to the client's byte counter (below TLS,
 * see openCountedSocket), with the scenario's client timeouts. Over https it trusts options.caPem only;
 * with httpVersion '2' it offers h2 by ALPN and multiplexes every request on one connection.
 */
export function createCountingPool (options: Pick<ClientConnectOptions, 'baseUrl' | 'config' | 'bytes' | 'caPem' | 'httpVersion'>): Pool {
  const { baseUrl, config, bytes } = options
  const httpVersion = options.httpVersion ?? '1.1'
  const isTls = baseUrl.startsWith('https:')
  if (isTls && options.caPem === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('caPem', 'none given', `the server's certificate to trust for ${baseUrl}`)
  return new Pool(baseUrl, {
    connections: CONNECTIONS_PER_CLIENT[httpVersion],
    allowH2: httpVersion === '2',
    // undici dispatches one request at a time per connection unless told otherwise, h2 included: a held
    // stream or poll would then block every upstream POST behind it
    ...(httpVersion === '2' ? { pipelining: H2_STREAMS_PER_CLIENT } : {}),
    headersTimeout: config.clientTimeoutMs,
    bodyTimeout: config.clientTimeoutMs,
    connect (target, callback) {
      const socket = openCountedSocket({
        hostname: target.hostname,
        port: Number(target.port === '' ? (isTls ? 443 : 80) : target.port),
        caPem: isTls ? options.caPem : undefined,
        alpn: httpVersion === '2' ? ['h2', 'http/1.1'] : ['http/1.1'],
      }, bytes)
      whenConnected(socket, isTls, config.clientTimeoutMs).then(() => callback(null, socket), (err: Error) => {
        socket.destroy()
        callback(err, null)
      })
    },
  })
}

/** A GET's complete answer: status, body as UTF-8 text, and when its last byte arrived (µs, nowUs). */
export interface TextAnswer {
  readonly statusCode: number
  readonly text: string
  readonly recvUs: number
}

/**
 * GETs `path` on the pool and collects the whole body. A dispatch handler rather than pool.request,
 * which builds a Readable body stream (and its promises) per response: a poll is sent thousands of
 * times a second. Rejects on a network error, a client timeout, or the pool being destroyed.
 */
export function getText (pool: Pool, path: string): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    let statusCode = 0
    let chunks: Buffer[] = []
    pool.dispatch({ method: 'GET', path }, {
      // undici 7 handler API: onRequestStart marks the handler as one (without it undici expects the old callbacks)
      onRequestStart () {},
      onResponseStart (_controller, status) {
        // a 1xx answer is followed by the real one
        statusCode = status
        chunks = []
      },
      onResponseData (_controller, chunk) { chunks.push(chunk) },
      onResponseEnd () {
        const recvUs = nowUs()
        const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
        resolve({ statusCode, text: body.toString('utf8'), recvUs })
      },
      onResponseError (_controller, err) { reject(err) },
    })
  })
}

/** POSTs one upstream message (sse, long-poll, poll); rejects unless the server answers 204. */
export async function postUpstream (pool: Pool, message: UpstreamMessage): Promise<void> {
  const res = await pool.request({
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

/**
 * The ClientConnection of an HTTP transport (sse, long-poll, poll): `read` is its downstream loop over
 * the pool and resolves (or rejects) when the connection ended without close(); the session is told
 * through sink.closed. Upstream goes by POST on the same pool; pausing stops the loop at its next read.
 */
export function httpConnection (pool: Pool, abort: AbortController, sink: ClientSink,
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
    pool.destroy().catch(() => {})
    sink.closed(info)
  })
  return {
    send: (message) => postUpstream(pool, message),
    async close () {
      isClosing = true
      gate.resume()
      abort.abort()
      await pool.destroy()
      await loop
    },
    pauseReading: () => { gate.pause() },
    resumeReading: () => { gate.resume() },
  }
}
