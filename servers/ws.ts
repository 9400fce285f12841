import fastifyWebsocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { ServerTransport } from '../core/adapters.ts'
import { maxMessageBytes } from '../core/config.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { parseResumePoint, parseStreamParams, queryParam } from './request-params.ts'
import { createStreamLifecycle, type StreamFraming } from './stream-lifecycle.ts'
import { isUpstreamMessage } from './upstream.ts'

/**
 * WebSocket: GET /ws?client&stream[&after=SEQ] upgrades; downstream one text frame per envelope (or
 * gap notice) JSON, upstream one text frame per UpstreamMessage JSON.
 */
export const wsServer: ServerTransport = {
  name: 'ws',
  register (app, ctx) {
    const streams = createStreamLifecycle(ctx, ctx.config.transports.ws.heartbeatMs, wsFraming)
    const parse = (query: unknown): { stream: string, client: string, afterSeq: number | undefined } => {
      const params = parseStreamParams(query, ctx.hub)
      return { ...params, afterSeq: parseResumePoint(queryParam(query, 'after'), 'after', params, ctx.hub) }
    }
    app.register(async (scope) => {
      await scope.register(fastifyWebsocket, {
        options: { maxPayload: maxMessageBytes(ctx.config), perMessageDeflate: ctx.config.transports.ws.perMessageDeflate },
        // shutdown closes every socket with 1001 through ctx.trackOpen; the plugin's default would send 1005
        preClose (done) { done() },
        errorHandler (error, socket) {
          // ws has already sent its close code for a frame-level violation (1002, 1007, 1008, 1009): count it
          if (String((error as { code?: unknown }).code).startsWith('WS_ERR_')) ctx.countProtocolError()
          socket.terminate()
        },
      })
      scope.get(PATHS.ws, {
        websocket: true,
        // validated before the upgrade so a bad request gets an HTTP 400, not a 101
        preValidation: async (request) => { parse(request.query) },
      }, (socket, request) => {
        const { stream, client, afterSeq } = parse(request.query)
        const protocolError = (code: number, reason: string): void => {
          ctx.countProtocolError()
          opened.end(() => { socket.close(code, reason) })
        }
        // attached synchronously: a message sent right after the handshake must not be lost
        socket.on('message', (data, isBinary) => {
          if (!opened.isOpen) return
          if (isBinary) return protocolError(1003, 'text frames only')
          let value: unknown
          try {
            value = JSON.parse(data.toString())
          } catch {
            return protocolError(1007, 'invalid JSON')
          }
          if (!isUpstreamMessage(value) || value.client !== client) return protocolError(1008, 'invalid upstream message')
          ctx.hub.upstream(value)
        })
        socket.on('pong', () => { hasPonged.add(socket) })
        hasPonged.add(socket)
        const opened = streams.open(socket, request.raw.socket, stream, afterSeq)
      })
    })
  },
}

/** Sockets that answered the last ping (RFC 6455 §5.5.3). */
const hasPonged = new WeakSet<WebSocket>()

/** WebSocket framing: one text frame per envelope or gap notice; RFC 6455 close codes for every goodbye. */
const wsFraming: StreamFraming<WebSocket> = {
  message: (message) => message.json,
  gap: (notice) => JSON.stringify(notice),
  write: (socket, frame) => { socket.send(frame) },
  bufferedBytes: (socket) => socket.bufferedAmount,
  // RFC 6455 §5.5.2: ping every interval; a peer that did not answer the previous ping is dead
  heartbeat: (socket) => {
    if (!hasPonged.has(socket)) return socket.terminate()
    hasPonged.delete(socket)
    socket.ping()
  },
  cut: (socket) => { socket.close(4000, 'slow consumer') },
  shutdown: (socket) => { socket.close(1001, 'server shutting down') },
  destroy: (socket) => { socket.terminate() },
}
