import { parseCommandLine, runCommand } from '../core/command.ts'
import { resolveScenario, type ScenarioConfig } from '../core/config.ts'
import type { ServerToRunner } from '../core/control.ts'
import { errors, isBenchError } from '../core/errors.ts'
import { parseServeOptions, SERVE_OPTIONS, serveUntil, startServer } from './serve.ts'

// The server process the runner forks for a round (runner/round.ts, bench/harness-vs-raw.ts): the
// scenario arrives resolved, as --scenario-json, and the runner hears over IPC where it listens or why
// it failed. A server started by hand is `npm run serve` (runner/serve-main.ts).

/** Tells the runner that forked this process (no-op without an IPC channel). */
function tellRunner (message: ServerToRunner): void {
  if (process.send !== undefined && process.connected) process.send(message)
}

function parseScenarioJson (text: string | undefined): ScenarioConfig {
  if (text === undefined) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--scenario-json', 'none given', 'a resolved scenario as JSON (this is the runner\'s server process; start a server by hand with npm run serve)')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--scenario-json', (cause as Error).message, 'a resolved scenario as JSON', { cause })
  }
  return resolveScenario(parsed, '--scenario-json')
}

async function main (): Promise<number> {
  let listening
  try {
    const { values } = parseCommandLine({
      args: process.argv.slice(2),
      options: { ...SERVE_OPTIONS, 'scenario-json': { type: 'string' } },
    })
    listening = await startServer(parseServeOptions(values, parseScenarioJson(values['scenario-json']), process.env))
  } catch (err) {
    tellRunner({ type: 'error', code: isBenchError(err) ? err.code : 'BENCH_ERR_CHILD_FAILED', message: (err as Error).message })
    throw err
  }
  tellRunner({ type: 'listening', url: listening.url })
  // the runner closing the IPC channel means it is gone or done: nobody will use this server
  return await serveUntil(listening, ['SIGTERM', 'SIGINT', 'disconnect'])
}

runCommand(main)
