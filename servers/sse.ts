import type { Socket } from 'node:net'
import type { ServerResponse } from 'node:http'
import type { ServerTransport } from '../core/adapters.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { parseResumePoint, parseStreamParams } from './request-params.ts'
import { createStreamLifecycle, type StreamFraming } from './stream-lifecycle.ts'
import { registerUpstreamRoute } from './upstream.ts'

/**
 * Server-Sent Events: GET /sse?client&stream, resumed with the Last-Event-ID header (HTML Standard,
 * server-sent events). Each envelope is `id: SEQ` + `data: JSON`; a gap notice is `event: gap`.
 */
export const sseServer: ServerTransport = {
  name: 'sse',
  register (app, ctx) {
    const streams = createStreamLifecycle(ctx, ctx.config.transports.sse.heartbeatMs, sseFraming)
    registerUpstreamRoute(app, ctx)
    app.get(PATHS.sse, (request, reply) => {
      const params = parseStreamParams(request.query, ctx.hub)
      const lastEventId = request.headers['last-event-id']
      const afterSeq = parseResumePoint(Array.isArray(lastEventId) ? lastEventId.join(',') : lastEventId, 'Last-Event-ID', params, ctx.hub)
      reply.hijack()
      const res = reply.raw
      // held here: Node detaches res.socket on 'finish', before a listener added later can end it
      const socket = res.socket
      // HTTP/2 forbids connection-specific headers (RFC 9113 §8.2.2): its streams are kept alive by the session
      res.writeHead(200, request.raw.httpVersionMajor === 2 ? H2_HEADERS : H1_HEADERS)
      res.write(SSE_PRELUDE)
      streams.open(res, socket, params.stream, afterSeq)
    })
  },
}

/** SSE framing: one event per envelope, `event: gap` for a gap notice, `event: error` before a cut. */
const sseFraming: StreamFraming<ServerResponse> = {
  message: (message) => formatSseEvent(message.json, message.env.seq),
  gap: (notice) => formatSseEvent(JSON.stringify(notice), undefined, 'gap'),
  write: (res, frame) => { res.write(frame) },
  bufferedBytes: (res) => res.writableLength,
  // a comment line keeps proxies and client body timeouts from reaping an idle stream
  heartbeat: (res) => { res.write(SSE_HEARTBEAT) },
  cut: (res, socket) => { endStream(res, socket, formatSseEvent('slow consumer', undefined, 'error')) },
  shutdown: (res, socket) => { endStream(res, socket, '') },
  destroy: (_res, socket) => { socket?.destroy() },
}

function endStream (res: ServerResponse, socket: Socket | null | undefined, last: string): void {
  res.end(last)
  // the stream is over: do not keep this socket around for keep-alive reuse
  res.once('finish', () => { socket?.end() })
}

const H2_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } as const
const H1_HEADERS = { ...H2_HEADERS, connection: 'keep-alive' } as const

/** The comment that opens every stream: it flushes the response headers. */
export const SSE_PRELUDE = ': ok\n\n'

/** The heartbeat comment, written every transports.sse.heartbeatMs. */
export const SSE_HEARTBEAT = ':\n\n'

/**
 * One event as the server writes it (HTML Standard, server-sent events, "event stream
 * interpretation"): `event:` when given, `id:` when given, one `data:` line per line of `data` (a CR,
 * LF or CRLF inside it starts a new `data:` line, so the parser rebuilds it with LF), then a blank line.
 */
export function formatSseEvent (data: string, id?: number, event?: string): string {
  const head = (event === undefined ? '' : `event: ${event}\n`) + (id === undefined ? '' : `id: ${id}\n`)
  return `${head}data: ${data.replace(LINE_BREAK, '\ndata: ')}\n\n`
}

const LINE_BREAK = /\r\n|\r|\n/g
