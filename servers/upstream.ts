import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { UpstreamMessage } from '../core/envelope.ts'
import type { ServerContext } from '../core/adapters.ts'
import { maxMessageBytes } from '../core/config.ts'
import { PATHS } from '../core/wire-protocol.ts'

/** Schema of an upstream message as it arrives (ws frame or POST body); unknown keys are rejected. */
export const UpstreamSchema = Type.Object({
  client: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  seq: Type.Integer({ minimum: 1 }),
  tSchedUs: Type.Integer({ minimum: 0 }),
  payload: Type.String(),
}, { additionalProperties: false })

const check = TypeCompiler.Compile(UpstreamSchema)

/** True when a parsed value is a well-formed upstream message. */
export function isUpstreamMessage (value: unknown): value is UpstreamMessage {
  return check.Check(value)
}

const registered = new WeakSet<FastifyInstance>()

/**
 * Registers POST /upstream (for sse, long-poll and poll) once per app, whichever HTTP adapter asks
 * first: schema-validated body of at most maxMessageBytes → hub.upstream → 204.
 */
export function registerUpstreamRoute (app: FastifyInstance, ctx: ServerContext): void {
  if (registered.has(app)) return
  registered.add(app)
  app.post<{ Body: UpstreamMessage }>(PATHS.upstream, {
    bodyLimit: maxMessageBytes(ctx.config),
    schema: { body: UpstreamSchema },
  }, async (request, reply) => {
    ctx.hub.upstream(request.body)
    return reply.code(204).send()
  })
}
