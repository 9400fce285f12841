import type { Socket } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ScenarioConfig } from '../core/config.ts'
import type { ServerContext } from '../core/adapters.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import type { HttpVersion } from '../core/wire-variant.ts'
import { maxMessageBytes } from '../core/config.ts'
import { errors } from '../core/errors.ts'
import { ProcessMonitor } from '../core/process-stats.ts'
import { registerControl } from './control.ts'
import { startConnectionDropper } from './fault-drops.ts'
import { createHub, type Hub } from './hub.ts'
import { BROWSER_PATHS, checkOriginPolicy } from './origin-policy.ts'
import { serverTransports } from './registry.ts'

/** After shutdown ended every stream, sockets still open this much later are destroyed, ms. */
export const CLOSE_GRACE_MS = 1_000

/** A client must send a whole request head within this (slowloris), ms; Node's default is 60 s. */
export const HEADERS_TIMEOUT_MS = 10_000

/** A client must send a whole request, body included, within this, else 408, ms (SSE and held polls are not affected: their requests are complete). */
export const REQUEST_TIMEOUT_MS = 30_000

/** What a server serves: the resolved scenario and the transports to mount. */
export interface ServerOptions {
  readonly config: ScenarioConfig
  readonly transports: readonly TransportName[]
  /** Request head deadline, ms (default HEADERS_TIMEOUT_MS). */
  readonly headersTimeoutMs?: number
  /** Whole-request deadline, ms (default REQUEST_TIMEOUT_MS); must be >= headersTimeoutMs. */
  readonly requestTimeoutMs?: number
  /** Open TCP connections above this are refused at accept (default: no limit). */
  readonly maxConnections?: number
  /** Serve HTTPS / WSS with this key and certificate (PEM); absent: plain HTTP. */
  readonly tls?: { readonly keyPem: string, readonly certPem: string } | undefined
  /** '2': HTTP/2 (h2, needs tls) for the HTTP routes, HTTP/1.1 still accepted (ws upgrades); default '1.1'. */
  readonly httpVersion?: HttpVersion | undefined
}

/** A feedbench server: the Fastify app (not yet listening), its hub and its shared context. */
export interface FeedbenchServer {
  readonly app: FastifyInstance
  readonly hub: Hub
  readonly context: ServerContext
  /** Open streams, sockets and held polls that shutdown will end. */
  openConnections (): number
  /** Listens (127.0.0.1 unless a host is given) and resolves to the base URL, http(s)://host:port. */
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
  const headersTimeoutMs = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS
  const isHttp2 = options.httpVersion === '2'
  if (isHttp2 && options.tls === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('--http', '"2"', 'HTTP/2 with --tls (h2); browsers speak HTTP/2 only over TLS')
  // Fastify's server type follows these options; the routes and hooks are the same for all three
  // Node checks both deadlines on this interval (30 s by default): check often enough to honour them
  const deadlines = { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeoutMs / 4)) }
  const app = Fastify({
    ...serverKind(options, deadlines),
    logger: false,
    bodyLimit: maxMessageBytes(config),
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    // the onRequest hook answers 503 with a coded error instead
    return503OnClosing: false,
    // an unknown key in a body is an error, not silently dropped
    ajv: { customOptions: { removeAdditional: false } },
  }) as unknown as FastifyInstance
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

  if (options.maxConnections !== undefined) app.server.maxConnections = options.maxConnections
  // 'connection' is the TCP socket for http, https and http2 servers alike (TLS comes after)
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
  })
  app.addHook('onRequest', async (request, reply) => {
    if (isClosing) {
      // HTTP/2 has no Connection header: the session's GOAWAY at close says it
      if (request.raw.httpVersionMajor < 2) reply.header('connection', 'close')
      throw new errors.BENCH_ERR_SHUTTING_DOWN()
    }
    if (BROWSER_PATHS.has(request.routeOptions.url ?? '')) checkOriginPolicy(request.headers, config)
  })
  const dropper = startConnectionDropper(app, config, () => hub.isRunning)
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
    dropper.close()
    monitor.close()
  })

  registerControl(app, {
    hub,
    transports: options.transports,
    monitor,
    openConnections: () => open.size,
    slowConsumerCuts: () => slowConsumerCuts,
    protocolErrors: () => protocolErrors,
    faultDrops: () => dropper.drops,
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
      return `${options.tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`
    },
  }
}

/** The Fastify options that choose the server: plain HTTP/1.1, HTTPS (HTTP/1.1 only), or h2 with HTTP/1.1 kept for ws upgrades. */
function serverKind (options: ServerOptions, deadlines: Record<string, number>): Record<string, unknown> {
  if (options.tls === undefined) return { http: deadlines }
  // an https server takes http.createServer's options beside the TLS ones (an http2 server has its own, for h2 streams)
  const https = { key: options.tls.keyPem, cert: options.tls.certPem, ...deadlines }
  // allowHTTP1: ALPN picks h2 for clients that offer it; ws (and any HTTP/1.1-only client) still connects
  return options.httpVersion === '2' ? { http2: true, https: { ...https, allowHTTP1: true } } : { https }
}
