import type { ClientConnectOptions, ClientConnection, ClientSink, ClientTransport, ConnectionClosed } from '../core/adapters.ts'
import type { GapNotice } from '../core/envelope.ts'
import { maxMessageBytes } from '../core/config.ts'
import { nowUs } from '../core/clock.ts'
import { isGap, parseDownstream } from '../core/envelope.ts'
import { errors } from '../core/errors.ts'
import { downstreamPath, PATHS } from '../core/wire-protocol.ts'
import { createHttpClient, httpConnection } from './http-pool.ts'
import { SseReader, type SseEvent } from './sse-reader.ts'

// the longest line the server writes: `data: ` and one message's JSON
const DATA_PREFIX_BYTES = 'data: '.length

/** Server-Sent Events client: one streaming GET down (the suite's HTTP/1.1 client, SseReader), HTTP POSTs up. */
export const sseClient: ClientTransport = {
  name: 'sse',
  connect,
}

/**
 * Opens the event stream: resolves once the server answered 200 text/event-stream, then feeds every
 * piece of the body to the SseReader as it arrives, until the stream ends or fails (the session is told
 * through sink.closed and resumes from its last seq with Last-Event-ID).
 */
function connect (options: ClientConnectOptions): Promise<ClientConnection> {
  const { clientId, stream, afterSeq, afterEpoch, config, sink, bytes } = options
  const client = createHttpClient(options)
  const abort = new AbortController()
  // HTML Standard, server-sent events: the resume point travels as Last-Event-ID
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (afterSeq !== undefined) headers['last-event-id'] = String(afterSeq)
  let recvUs = 0
  let serverError: string | undefined
  const reader = new SseReader(maxMessageBytes(config) + DATA_PREFIX_BYTES, (event) => { serverError = onEvent(event, sink, recvUs) ?? serverError })
  return new Promise((resolve, reject) => {
    let ended: ((info: ConnectionClosed) => void) | undefined
    let isOpen = false
    const streamEnded = new Promise<ConnectionClosed>((resolve) => { ended = resolve })
    client.get(downstreamPath(PATHS.sse, clientId, stream, { epoch: afterEpoch }), headers, {
      onHead (statusCode, type) {
        if (statusCode !== 200 || !type.startsWith('text/event-stream')) {
          // rejected first: closing the client fails this request too, and its error must not be the one reported
          reject(new errors.BENCH_ERR_PROTOCOL('sse', `GET ${PATHS.sse} answered ${statusCode} ${type}, expected 200 text/event-stream`))
          client.destroy()
          return
        }
        isOpen = true
        bytes.markSetupDone()
        resolve(httpConnection(client, abort, sink, () => streamEnded))
      },
      onData (chunk) {
        if (!isOpen) return
        recvUs = nowUs()
        try {
          reader.push(chunk)
        } catch (err) {
          client.destroy()
          ended?.({ reason: serverError ?? (err as Error).message })
        }
      },
      onEnd () { ended?.({ reason: serverError ?? 'event stream ended by the server' }) },
      onError (err) {
        if (!isOpen) {
          client.destroy()
          reject(err)
        } else {
          ended?.({ reason: serverError ?? err.message })
        }
      },
    })
  })
}

/** Hands one parsed event to the session; returns the server's error text for an error event. */
function onEvent (event: SseEvent, sink: ClientSink, recvUs: number): string | undefined {
  switch (event.event) {
    case undefined:
    case 'message': {
      const item = parseDownstream(event.data)
      if (isGap(item)) sink.gap(item)
      else sink.message(item, recvUs)
      return undefined
    }
    case 'gap':
      sink.gap(JSON.parse(event.data) as GapNotice)
      return undefined
    case 'error':
      return `server error event: ${event.data}`
    default:
      throw new Error(`unknown event type ${JSON.stringify(event.event)}`)
  }
}
