import type { ServerTransport } from '../core/adapters.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { parsePollRequest, sendPollBatch } from './poll-answer.ts'
import { parseWaitMs, queryParam } from './request-params.ts'
import { registerUpstreamRoute } from './upstream.ts'

/**
 * Long-polling: GET /long-poll?client&stream&cursor[&wait=MS][&max=N] answered at once when messages exist
 * after the cursor, else held until one is published, the hold ends (empty batch), or the same
 * client polls again (the earlier poll gets an empty batch at once: one outstanding poll per client).
 */
export const longPollServer: ServerTransport = {
  name: 'long-poll',
  register (app, ctx) {
    registerUpstreamRoute(app, ctx)
    const outstanding = new Map<string, AbortController>()
    app.get(PATHS.longPoll, async (request, reply) => {
      const poll = parsePollRequest(request, ctx.hub)
      const { params, cursor } = poll
      const waitMs = parseWaitMs(queryParam(request.query, 'wait'), ctx.config.transports.longPoll.holdMs)
      reply.header('x-feedbench-wait-ms', String(waitMs))
      outstanding.get(params.client)?.abort()
      if (cursor === undefined || waitMs === 0 || ctx.hub.lastSeq(params.stream) > cursor) {
        return sendPollBatch(reply, ctx.hub, poll)
      }
      const held = new AbortController()
      outstanding.set(params.client, held)
      const untrack = ctx.trackOpen(() => held.abort())
      const timer = setTimeout(() => held.abort(), waitMs)
      let hasData: boolean
      try {
        hasData = await ctx.hub.waitAfter(params.stream, cursor, AbortSignal.any([request.signal, held.signal]))
      } finally {
        clearTimeout(timer)
        untrack()
        if (outstanding.get(params.client) === held) outstanding.delete(params.client)
      }
      // shutting down: let the client reconnect elsewhere instead of reusing this socket
      if (ctx.isClosing() && request.raw.httpVersionMajor < 2) reply.header('connection', 'close')
      return sendPollBatch(reply, ctx.hub, poll, !hasData)
    })
  },
}
