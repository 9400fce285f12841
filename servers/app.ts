import type { Socket } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ScenarioConfig } from '../scenarios/core/config.ts'
import type { ServerContext } from '../scenarios/core/transport.ts'
import type { TransportName } from '../scenarios/core/transports.ts'
import { maxMessageBytes } from '../scenarios/core/config.ts'
import { errors } from '../scenarios/core/errors.ts'
import { ProcessMonitor } from '../scenarios/core/process-stats.ts'
import { registerControl } from './control.ts'
import { createHub, type Hub } from './hub.ts'
import { serverTransports } from './transports.ts'

/** After shutdown ended every stream, sockets still open this much later are destroyed, ms. */
export const CLOSE_GRACE_MS = 1_000

/** What a server serves: the resolved scenario and the transports to mount. */
export interface ServerOptions {
  readonly config: ScenarioConfig
  readonly transports: readonly TransportName[]
}

/** A feedbench server: the Fastify app (not yet listening), its hub and its shared context. */
export interface FeedbenchServer {
  readonly app: FastifyInstance
  readonly hub: Hub
  readonly context: ServerContext
  /** Open streams, sockets and held polls that shutdown will end. */
  openConnections (): number
  /** Listens (127.0.0.1 unless a host is given) and resolves to the base URL, http://host:port. */
  listen (port: number, host?: string): Promise<string>
}

/**
 * Creates the Fastify app with the control routes and the chosen transport adapters. Closing it ends
 * every SSE stream and held poll, closes WebSockets with 1001, answers new requests 503 and resolves
 * within about CLOSE_GRACE_MS even when clients do not cooperate.
 */
export function createServer (options: ServerOptions): FeedbenchServer {
  const { config } = options
  const hub = createHub(config)
  const monitor = new ProcessMonitor()
  const app = Fastify({
    logger: false,
    bodyLimit: maxMessageBytes(config),
    // the onRequest hook answers 503 with a coded error instead
    return503OnClosing: false,
    // an unknown key in a body is an error, not silently dropped
    ajv: { customOptions: { removeAdditional: false } },
  })
  const open = new Set<() => void>()
  const sockets = new Set<Socket>()
  let isClosing = false
  let slowConsumerCuts = 0
  let protocolErrors = 0
  let fallback: NodeJS.Timeout | undefined

  const context: ServerContext = {
    hub,
    config,
    trackOpen (end) {
      const entry = (): void => { end() }
      open.add(entry)
      return () => { open.delete(entry) }
    },
    isClosing: () => isClosing,
    countSlowConsumerCut: () => { slowConsumerCuts++ },
    countProtocolError: () => { protocolErrors++ },
  }

  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (!isClosing) return
    reply.header('connection', 'close')
    throw new errors.BENCH_ERR_SHUTTING_DOWN()
  })
  app.addHook('preClose', async () => {
    isClosing = true
    hub.close()
    for (const end of [...open]) end()
    // a peer that never answers the close handshake or never reads must not hold close() hostage
    fallback = setTimeout(() => { for (const socket of sockets) socket.destroy() }, CLOSE_GRACE_MS)
    fallback.unref()
  })
  app.addHook('onClose', async () => {
    clearTimeout(fallback)
    monitor.close()
  })

  registerControl(app, {
    hub,
    transports: options.transports,
    monitor,
    openConnections: () => open.size,
    slowConsumerCuts: () => slowConsumerCuts,
    protocolErrors: () => protocolErrors,
  })
  for (const name of new Set(options.transports)) serverTransports[name].register(app, context)

  return {
    app,
    hub,
    context,
    openConnections: () => open.size,
    async listen (port, host = '127.0.0.1') {
      await app.listen({ port, host })
      const address = app.server.address()
      const boundPort = typeof address === 'object' && address !== null ? address.port : port
      return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`
    },
  }
}
