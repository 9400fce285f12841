import { parseArgs } from 'node:util'
import type { ScenarioConfig } from '../core/config.ts'
import type { ServerToRunner } from '../core/control.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { resolveScenario } from '../core/config.ts'
import { errors, isBenchError } from '../core/errors.ts'
import { parseInjectedDelayUs, TEST_MODE_ENV } from '../core/test-mode.ts'
import { isTransportName, TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import { createServer } from './app.ts'
import { setInjectedDelayUs } from './fault-injection.ts'

const USAGE = 'npm run serve -- --scenario NAME|file.json [--transport ws,sse,long-poll,poll] [--port 8080] [--host 127.0.0.1] [--idle] [--publish-for MS] [--scenario-json JSON] [--inject-delay-us N (test mode only: ' + TEST_MODE_ENV + '=1)]'

interface MainOptions {
  readonly config: ScenarioConfig
  readonly transports: readonly TransportName[]
  readonly port: number
  readonly host: string
  readonly isIdle: boolean
  readonly publishForMs: number
  /** Test mode only: delay added to every published batch, µs (0: off). */
  readonly injectedDelayUs: number
}

function parseOptions (argv: readonly string[]): MainOptions {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string', default: 'ticker' },
        'scenario-json': { type: 'string' },
        transport: { type: 'string', default: TRANSPORT_NAMES.join(',') },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        idle: { type: 'boolean', default: false },
        'publish-for': { type: 'string', default: '600000' },
        'inject-delay-us': { type: 'string' },
      },
    }).values
  } catch (cause) {
    throw new errors.BENCH_ERR_OPTION_INVALID('option', (cause as Error).message, USAGE, { cause })
  }
  const transports = values.transport.split(',').map((name) => name.trim())
  for (const name of transports) {
    if (!isTransportName(name)) throw new errors.BENCH_ERR_UNKNOWN_TRANSPORT(JSON.stringify(name), TRANSPORT_NAMES.join(', '))
  }
  return {
    config: values['scenario-json'] === undefined ? loadScenario(values.scenario) : parseScenarioJson(values['scenario-json']),
    transports: transports as TransportName[],
    port: parseInteger('--port', values.port, 0, 65_535),
    host: values.host,
    isIdle: values.idle,
    publishForMs: parseInteger('--publish-for', values['publish-for'], 1, 24 * 3_600_000),
    injectedDelayUs: values['inject-delay-us'] === undefined ? 0 : parseInjectedDelayUs('--inject-delay-us', values['inject-delay-us']),
  }
}

function parseScenarioJson (text: string): ScenarioConfig {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--scenario-json', (cause as Error).message, 'a resolved scenario as JSON', { cause })
  }
  return resolveScenario(parsed, '--scenario-json')
}

function parseInteger (option: string, raw: string, min: number, max: number): number {
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(raw), `an integer ${min}..${max}`)
  }
  return value
}

function tellRunner (message: ServerToRunner): void {
  if (process.send !== undefined && process.connected) process.send(message)
}

async function main (): Promise<void> {
  let options: MainOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    tellRunner({ type: 'error', code: isBenchError(err) ? err.code : 'BENCH_ERR_OPTION_INVALID', message: (err as Error).message })
    process.exitCode = 2
    return
  }
  setInjectedDelayUs(options.injectedDelayUs)
  const server = createServer({ config: options.config, transports: options.transports })
  let url: string
  try {
    url = await server.listen(options.port, options.host)
  } catch (cause) {
    const err = (cause as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? new errors.BENCH_ERR_PORT_IN_USE(String(options.port), options.host, { cause })
      : cause as Error
    const code = isBenchError(err) ? err.code : 'BENCH_ERR_CHILD_FAILED'
    process.stderr.write(`${code} ${err.message}\n`)
    tellRunner({ type: 'error', code, message: err.message })
    await server.app.close()
    process.exitCode = 1
    return
  }
  if (!options.isIdle) server.hub.run(options.publishForMs)
  process.stderr.write(`feedbench server listening on ${url} (transports ${options.transports.join(', ')}, scenario ${options.config.name})${options.injectedDelayUs > 0 ? `; TEST MODE: every published batch delayed by ${options.injectedDelayUs} µs` : ''}\n`)
  tellRunner({ type: 'listening', url })

  let isStopping = false
  const stop = (): void => {
    if (isStopping) return
    isStopping = true
    server.app.close().then(() => {
      process.exitCode = 0
      if (process.connected) process.disconnect()
    }, (err: unknown) => {
      process.stderr.write(`close failed: ${(err as Error).message}\n`)
      process.exitCode = 1
    }).finally(() => {
      // anything still holding the loop open (a stray handle) must not keep a finished server alive
      setTimeout(() => process.exit(), 500).unref()
    })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.once('disconnect', stop)
}

await main()
