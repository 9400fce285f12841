import { EXIT, type ExitCode } from '../core/command.ts'
import type { ScenarioConfig } from '../core/config.ts'
import { errors } from '../core/errors.ts'
import { parseInjectedDelayUs } from '../core/test-mode.ts'
import { isTransportName, TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { parseWireVariant, variantLabel, type WireVariant } from '../core/wire-variant.ts'
import { createServer, type FeedbenchServer } from './app.ts'
import { makeCertificate, readCertificateDir } from './certificate.ts'
import { setInjectedDelayUs } from './fault-injection.ts'

/** Command-line options (node:util parseArgs) of every way to start a server: npm run serve and the runner's server process. */
export const SERVE_OPTIONS = {
  transport: { type: 'string', default: TRANSPORT_NAMES.join(',') },
  port: { type: 'string', default: '8080' },
  host: { type: 'string', default: '127.0.0.1' },
  idle: { type: 'boolean', default: false },
  'publish-for': { type: 'string', default: '600000' },
  'inject-delay-us': { type: 'string' },
  tls: { type: 'boolean', default: false },
  http: { type: 'string', default: '1.1' },
  // the runner's server processes: the run's certificate, made once by the runner (a restarted server keeps it)
  'tls-dir': { type: 'string' },
} as const

/** SERVE_OPTIONS as parseArgs returns them. */
export interface ServeOptionValues {
  readonly transport: string
  readonly port: string
  readonly host: string
  readonly idle: boolean
  readonly 'publish-for': string
  readonly 'inject-delay-us'?: string | undefined
  readonly tls: boolean
  readonly http: string
  readonly 'tls-dir'?: string | undefined
}

/** How to start one server, checked. */
export interface ServeConfig {
  readonly config: ScenarioConfig
  readonly transports: readonly TransportName[]
  readonly port: number
  readonly host: string
  /** Listen without publishing (the runner starts a run over the control routes). */
  readonly isIdle: boolean
  readonly publishForMs: number
  /** Test mode only: delay added to every published batch, µs (0: off). */
  readonly injectedDelayUs: number
  /** TLS and HTTP version of the server. */
  readonly variant: WireVariant
  /** With TLS: the directory of an existing key.pem and cert.pem; absent: a certificate is made at start-up. */
  readonly tlsDir?: string | undefined
}

/** Most a server started by hand publishes for, ms (a day). */
const MAX_PUBLISH_FOR_MS = 24 * 3_600_000

/** Checks the SERVE_OPTIONS values for the scenario `config`; throws a coded error naming the option, the value and what is allowed. */
export function parseServeOptions (values: ServeOptionValues, config: ScenarioConfig, env: NodeJS.ProcessEnv): ServeConfig {
  const transports = values.transport.split(',').map((name) => name.trim())
  for (const name of transports) {
    if (!isTransportName(name)) throw new errors.BENCH_ERR_UNKNOWN_TRANSPORT(JSON.stringify(name), TRANSPORT_NAMES.join(', '))
  }
  const variant = parseWireVariant(values.tls || values['tls-dir'] !== undefined, values.http, transports as TransportName[])
  return {
    config,
    variant,
    ...(values['tls-dir'] === undefined ? {} : { tlsDir: values['tls-dir'] }),
    transports: transports as TransportName[],
    port: parseInteger('--port', values.port, 0, 65_535),
    host: values.host,
    isIdle: values.idle,
    publishForMs: parseInteger('--publish-for', values['publish-for'], 1, MAX_PUBLISH_FOR_MS),
    injectedDelayUs: values['inject-delay-us'] === undefined ? 0 : parseInjectedDelayUs('--inject-delay-us', values['inject-delay-us'], env),
  }
}

/** A server that listens (and publishes unless idle). */
export interface ListeningServer {
  readonly server: FeedbenchServer
  readonly url: string
  /** Removes what the server made at start-up (its certificate's directory); idempotent. */
  readonly cleanup: () => void
}

/**
 * Starts a server in this process: listens, publishes for publishForMs unless idle, and says so in one
 * line on stderr. Throws BENCH_ERR_PORT_IN_USE when the port is taken.
 */
export async function startServer (options: ServeConfig): Promise<ListeningServer> {
  setInjectedDelayUs(options.injectedDelayUs)
  const { variant } = options
  const made = variant.tls && options.tlsDir === undefined ? await makeCertificate() : undefined
  const cleanup = (): void => { made?.remove() }
  // a key made here lives only as long as this process
  if (made !== undefined) process.once('exit', cleanup)
  const tls = made ?? (options.tlsDir === undefined ? undefined : readCertificateDir(options.tlsDir))
  const server = createServer({ config: options.config, transports: options.transports, tls, httpVersion: variant.httpVersion })
  let url: string
  try {
    url = await server.listen(options.port, options.host)
  } catch (cause) {
    cleanup()
    await server.app.close()
    if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new errors.BENCH_ERR_PORT_IN_USE(String(options.port), options.host, { cause })
    throw cause
  }
  if (!options.isIdle) server.hub.run(options.publishForMs)
  const testMode = options.injectedDelayUs > 0 ? `; TEST MODE: every published batch delayed by ${options.injectedDelayUs} µs` : ''
  const certificate = made === undefined ? '' : `; certificate for clients to trust: ${made.dir}/cert.pem (removed at exit)`
  process.stderr.write(`feedbench server listening on ${url} (transports ${options.transports.join(', ')}, scenario ${options.config.name}, ${variantLabel(variant)})${testMode}${certificate}\n`)
  return { server, url, cleanup }
}

/** What ends a server: a signal, or the runner closing the IPC channel of a server it forked. */
export type StopEvent = 'SIGTERM' | 'SIGINT' | 'disconnect'

/**
 * Waits for the first of `events`, then closes the server (every stream ended, see createServer) and
 * resolves with the exit code: ok, or error when closing failed.
 */
export async function serveUntil (listening: ListeningServer, events: readonly StopEvent[]): Promise<ExitCode> {
  await new Promise<void>((resolve) => {
    for (const event of events) process.once(event, () => resolve())
  })
  try {
    await listening.server.app.close()
    listening.cleanup()
    if (process.connected) process.disconnect()
    return EXIT.ok
  } catch (err) {
    process.stderr.write(`close failed: ${(err as Error).message}\n`)
    return EXIT.error
  } finally {
    // anything still holding the loop open (a stray handle) must not keep a finished server alive
    setTimeout(() => process.exit(), 500).unref()
  }
}

function parseInteger (option: string, raw: string, min: number, max: number): number {
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(raw), `an integer ${min}..${max}`)
  }
  return value
}
