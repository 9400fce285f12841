import type { ServerTransport } from '../core/adapters.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { parsePollRequest, sendPollBatch } from './poll-answer.ts'
import { registerUpstreamRoute } from './upstream.ts'

/** Short polling: GET /poll?client&stream&cursor[&max=N] answered at once with every message after the cursor (maybe none). */
export const pollServer: ServerTransport = {
  name: 'poll',
  register (app, ctx) {
    registerUpstreamRoute(app, ctx)
    app.get(PATHS.poll, async (request, reply) => {
      return sendPollBatch(reply, ctx.hub, parsePollRequest(request, ctx.hub))
    })
  },
}
