import { parseCommandLine, runCommand } from '../core/command.ts'
import { TEST_MODE_ENV } from '../core/test-mode.ts'
import { TRANSPORT_NAMES } from '../core/wire-protocol.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { parseServeOptions, SERVE_OPTIONS, serveUntil, startServer } from '../servers/serve.ts'

// `npm run serve`: one server alone, in this process, for `npm run bench -- --target URL` (or anything
// else) to run against. The runner's own servers are forked processes (servers/main.ts).

const USAGE = `npm run serve -- --scenario NAME|file.json [--transport ${TRANSPORT_NAMES.join(',')}] [--port 8080] [--host 127.0.0.1] [--idle] [--publish-for MS] [--tls] [--http 1.1|2] ` +
  `[--inject-delay-us N (test mode only: ${TEST_MODE_ENV}=1)]`

async function main (): Promise<number> {
  const { values } = parseCommandLine({
    args: process.argv.slice(2),
    options: { ...SERVE_OPTIONS, scenario: { type: 'string', default: 'ticker' } },
  }, USAGE)
  const listening = await startServer(parseServeOptions(values, loadScenario(values.scenario), process.env))
  return await serveUntil(listening, ['SIGTERM', 'SIGINT'])
}

runCommand(main)
