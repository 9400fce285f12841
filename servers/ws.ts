import fastifyWebsocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { HubMessage, ServerTransport } from '../core/adapters.ts'
import { maxMessageBytes } from '../core/config.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { Heartbeat } from './heartbeat.ts'
import { parseResumePoint, parseStreamParams, queryParam } from './request-params.ts'
import { enforceSendBufferCap } from './send-cap.ts'
import { isUpstreamMessage } from './upstream.ts'
import { writeBatch } from './write-policy.ts'

/**
 * WebSocket: GET /ws?client&stream[&after=SEQ] upgrades; downstream one text frame per envelope (or
 * gap notice) JSON, upstream one text frame per UpstreamMessage JSON.
 */
export const wsServer: ServerTransport = {
  name: 'ws',
  register (app, ctx) {
    const hasPonged = new WeakSet<WebSocket>()
    // RFC 6455 §5.5.2: ping every interval; a peer that did not answer the previous ping is dead
    const heartbeat = new Heartbeat<WebSocket>(ctx.config.transports.ws.heartbeatMs, (socket) => {
      if (!hasPonged.has(socket)) return socket.terminate()
      hasPonged.delete(socket)
      socket.ping()
    })
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
        const raw = request.raw.socket
        let isOpen = true
        const protocolError = (code: number, reason: string): void => {
          ctx.countProtocolError()
          isOpen = false
          socket.close(code, reason)
        }
        // attached synchronously: a message sent right after the handshake must not be lost
        socket.on('message', (data, isBinary) => {
          if (!isOpen) return
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
        const slowConsumer = {
          bufferedBytes: () => socket.bufferedAmount,
          cut: () => { isOpen = false; unsubscribe(); socket.close(4000, 'slow consumer') },
          destroy: () => { socket.terminate() },
        }
        const send = (frames: readonly string[]): void => {
          if (!isOpen) return
          writeBatch(raw, ctx.config.writePolicy, frames, (frame) => { socket.send(frame) })
          enforceSendBufferCap(ctx, slowConsumer)
        }
        let unsubscribe = (): void => {}
        unsubscribe = ctx.hub.subscribe(stream, afterSeq, {
          push: (batch) => { send(batch.map(jsonOf)) },
          gap: (notice) => { send([JSON.stringify(notice)]) },
        })
        // the replay inside subscribe() may already have cut a slow consumer
        if (!isOpen) unsubscribe()
        hasPonged.add(socket)
        heartbeat.add(socket)
        const untrack = ctx.trackOpen(() => { isOpen = false; socket.close(1001, 'server shutting down') })
        socket.on('close', () => {
          isOpen = false
          unsubscribe()
          heartbeat.delete(socket)
          untrack()
        })
      })
    })
  },
}

function jsonOf (message: HubMessage): string {
  return message.json
}
