import type { ScenarioConfig } from '../core/config.ts'
import type { UpstreamMessage } from '../core/envelope.ts'
import type { ByteCounter, ClientConnection, ConnectionClosed, ClientSink } from '../core/adapters.ts'
import { ReadGate } from './read-gate.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { Http1Lane, type ResponseHandler } from './http1-client.ts'

/**
 * One client's HTTP/1.1 connections: one lane for the downstream request (SSE stream, held or periodic
 * poll), one for upstream POSTs: more would hide HTTP/1.1's head-of-line cost, fewer would queue upstream
 * behind a held poll. Upstream POSTs wait their turn on their lane, oldest first.
 */
export class HttpClient {
  readonly down: Http1Lane
  private readonly up: Http1Lane
  private readonly upstream: Array<() => void> = []
  private isUpBusy = false

  constructor (baseUrl: string, config: ScenarioConfig, bytes: ByteCounter) {
    const options = { timeoutMs: config.clientTimeoutMs, bytes }
    this.down = new Http1Lane(baseUrl, options)
    this.up = new Http1Lane(baseUrl, options)
  }

  /** POSTs one upstream message after those before it; rejects unless the server answers 204. */
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

  /** Closes both lanes; requests in flight or waiting fail. */
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

/** The path and query of a downstream request: client, stream and any extra parameters that are set. */
export function downstreamPath (path: string, clientId: string, stream: string, extra: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams({ client: clientId, stream })
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) query.set(key, String(value))
  return `${path}?${query.toString()}`
}

/** A GET's complete answer: status, body as UTF-8 text, and when its last byte arrived (µs, nowUs). */
export interface TextAnswer {
  readonly statusCode: number
  readonly text: string
  readonly recvUs: number
}

/** GETs `path` on the client's downstream lane and collects the whole body. Rejects on a network error, a client timeout, or the client being closed. */
export function getText (client: HttpClient, path: string): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    let statusCode = 0
    let chunks: Buffer[] = []
    const handler: ResponseHandler = {
      onHead (status) {
        statusCode = status
        chunks = []
      },
      onData (chunk) { chunks.push(chunk) },
      onEnd () {
        const recvUs = nowUs()
        const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
        resolve({ statusCode, text: body.toString('utf8'), recvUs })
      },
      onError: reject,
    }
    client.down.request('GET', path, '', undefined, handler)
  })
}

/**
 * The ClientConnection of an HTTP transport (sse, long-poll, poll): `read` is its downstream loop over
 * the client and resolves (or rejects) when the connection ended without close(); the session is told
 * through sink.closed. Upstream goes by POST on the client's second lane; pausing stops reading the
 * downstream socket (and a polling loop at its next request).
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
      client.down.resume()
      abort.abort()
      client.destroy()
      await loop
    },
    pauseReading: () => {
      gate.pause()
      client.down.pause()
    },
    resumeReading: () => {
      gate.resume()
      client.down.resume()
    },
  }
}
