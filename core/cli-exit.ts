import { isBenchError } from './errors.ts'

/** Exit code of a run that finished but has INVALID rounds (saturated generator, unexplained loss, …). */
export const EXIT_UNTRUSTWORTHY = 3

/**
 * Runs a command's main and sets its exit code: the code main resolves with, or for a coded error one
 * line `error: CODE: message` and 2 when it is a usage error (status 400), 1 otherwise.
 */
export function runCommand (main: () => Promise<number>): void {
  main().then((code) => { process.exitCode = code }, (err: unknown) => {
    if (isBenchError(err)) {
      process.stderr.write(`error: ${err.code}: ${err.message}\n`)
      process.exitCode = (err as { statusCode?: number }).statusCode === 400 ? 2 : 1
    } else {
      process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`)
      process.exitCode = 1
    }
  })
}
