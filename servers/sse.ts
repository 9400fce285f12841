import type { ServerResponse } from 'node:http'
import type { HubMessage, ServerTransport } from '../core/adapters.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { Heartbeat } from './heartbeat.ts'
import { parseResumePoint, parseStreamParams } from './request-params.ts'
import { enforceSendBufferCap } from './send-cap.ts'
import { registerUpstreamRoute } from './upstream.ts'
import { writeBatch } from './write-policy.ts'

/**
 * Server-Sent Events: GET /sse?client&stream, resumed with the Last-Event-ID header (HTML Standard,
 * server-sent events). Each envelope is `id: SEQ` + `data: JSON`; a gap notice is `event: gap`.
 */
export const sseServer: ServerTransport = {
  name: 'sse',
  register (app, ctx) {
    registerUpstreamRoute(app, ctx)
    // a comment line keeps proxies and client body timeouts from reaping an idle stream
    const heartbeat = new Heartbeat<ServerResponse>(ctx.config.transports.sse.heartbeatMs, (res) => { res.write(SSE_HEARTBEAT) })
    app.get(PATHS.sse, (request, reply) => {
      const params = parseStreamParams(request.query, ctx.hub)
      const lastEventId = request.headers['last-event-id']
      const afterSeq = parseResumePoint(Array.isArray(lastEventId) ? lastEventId.join(',') : lastEventId, 'Last-Event-ID', params, ctx.hub)
      reply.hijack()
      const res = reply.raw
      // held here: Node detaches res.socket on 'finish', before a listener added later can end it
      const socket = res.socket
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
      res.write(SSE_PRELUDE)
      let isOpen = true
      const end = (last: string): void => {
        if (!isOpen) return
        isOpen = false
        unsubscribe()
        heartbeat.delete(res)
        res.end(last)
        // the stream is over: do not keep this socket around for keep-alive reuse
        res.once('finish', () => { socket?.end() })
      }
      const slowConsumer = {
        bufferedBytes: () => res.writableLength,
        cut: () => { end(formatSseEvent('slow consumer', undefined, 'error')) },
        destroy: () => { socket?.destroy() },
      }
      const send = (frames: readonly string[]): void => {
        if (!isOpen) return
        writeBatch(socket, ctx.config.writePolicy, frames, (frame) => { res.write(frame) })
        enforceSendBufferCap(ctx, slowConsumer)
      }
      let unsubscribe = (): void => {}
      unsubscribe = ctx.hub.subscribe(params.stream, afterSeq, {
        push: (batch) => { send(batch.map(eventOf)) },
        gap: (notice) => { send([formatSseEvent(JSON.stringify(notice), undefined, 'gap')]) },
      })
      // the replay inside subscribe() may already have cut a slow consumer
      if (!isOpen) unsubscribe()
      heartbeat.add(res)
      const untrack = ctx.trackOpen(() => { end('') })
      res.on('close', () => {
        isOpen = false
        unsubscribe()
        heartbeat.delete(res)
        untrack()
      })
    })
  },
}

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

function eventOf (message: HubMessage): string {
  return formatSseEvent(message.json, message.env.seq)
}
