import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { Dispatcher } from 'undici'
import type { ClientConnectOptions, ClientConnection, ClientSink, ClientTransport } from '../core/adapters.ts'
import type { GapNotice } from '../core/envelope.ts'
import { nowUs } from '../core/clock.ts'
import { isGap, parseDownstream } from '../core/envelope.ts'
import { errors } from '../core/errors.ts'
import { downstreamPath, PATHS } from '../core/wire-protocol.ts'
import { createCountingPool, httpConnection } from './http-pool.ts'
import type { ReadGate } from './read-gate.ts'

/** Server-Sent Events client: one streaming GET down (undici, eventsource-parser), HTTP POSTs up. */
export const sseClient: ClientTransport = {
  name: 'sse',
  connect,
}

async function connect (options: ClientConnectOptions): Promise<ClientConnection> {
  const { clientId, stream, afterSeq, afterEpoch, sink, bytes } = options
  const pool = createCountingPool(options)
  const abort = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  // HTML Standard, server-sent events: the resume point travels as Last-Event-ID
  if (afterSeq !== undefined) headers['last-event-id'] = String(afterSeq)
  let body: Dispatcher.ResponseData['body']
  try {
    const res = await pool.request({
      method: 'GET',
      path: downstreamPath(PATHS.sse, clientId, stream, { epoch: afterEpoch }),
      headers,
      signal: abort.signal,
    })
    body = res.body
    const type = String(res.headers['content-type'] ?? '')
    if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
      await body.dump()
      throw new errors.BENCH_ERR_PROTOCOL('sse', `GET ${PATHS.sse} answered ${res.statusCode} ${type}, expected 200 text/event-stream`)
    }
  } catch (err) {
    await pool.destroy()
    throw err
  }
  bytes.markSetupDone()

  return httpConnection(pool, abort, sink, async (gate) => ({ reason: await pump(body, sink, gate) }))
}

/** Feeds the event stream to the parser until it ends; resolves with why it ended. */
async function pump (body: Dispatcher.ResponseData['body'], sink: ClientSink, gate: ReadGate): Promise<string> {
  const decoder = new TextDecoder()
  let recvUs = 0
  let serverError: string | undefined
  const parser = createParser({
    onEvent (event: EventSourceMessage) {
      switch (event.event) {
        case undefined:
        case 'message': {
          const item = parseDownstream(event.data)
          if (isGap(item)) sink.gap(item)
          else sink.message(item, recvUs)
          break
        }
        case 'gap':
          sink.gap(JSON.parse(event.data) as GapNotice)
          break
        case 'error':
          serverError = `server error event: ${event.data}`
          break
        default:
          throw new Error(`unknown event type ${JSON.stringify(event.event)}`)
      }
    },
  })
  try {
    for await (const chunk of body) {
      // paused: the body is not pulled, undici stops reading the socket once its buffer is full
      await gate.passage()
      recvUs = nowUs()
      parser.feed(decoder.decode(chunk, { stream: true }))
    }
    return serverError ?? 'event stream ended by the server'
  } catch (err) {
    body.destroy()
    return serverError ?? (err as Error).message
  }
}
