import { parseArgs, type ParseArgsConfig } from 'node:util'
import { errors, isBenchError } from './errors.ts'

/**
 * Exit codes of every command: 3 = the run finished but some round is INVALID (its result is still
 * written), 99 = the regression gate flagged a regression (k6 uses 99 for failed thresholds too).
 */
export const EXIT = { ok: 0, error: 1, usage: 2, invalid: 3, regression: 99 } as const

/** One of the exit codes. */
export type ExitCode = typeof EXIT[keyof typeof EXIT]

/** What parseCommandLine returns for `config`: node:util parseArgs's result. */
export type ParsedCommandLine<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>

/**
 * Parses a command line with node:util parseArgs (strict unless `config` says otherwise). A parse
 * failure becomes BENCH_ERR_OPTION_INVALID naming the option, with `allowed` (default: the options the
 * command takes).
 */
export function parseCommandLine<T extends ParseArgsConfig> (config: T, allowed?: string): ParsedCommandLine<T> {
  try {
    return parseArgs(config)
  } catch (cause) {
    const { option, value } = describeParseFailure(cause as Error & { code?: string })
    const options = Object.keys(config.options ?? {}).map((name) => `--${name}`).join(', ')
    throw new errors.BENCH_ERR_OPTION_INVALID(option, value, allowed ?? (options === '' ? 'no options' : options), { cause })
  }
}

/** The exit code of a thrown error: usage for a coded error with status 400 (bad input), error otherwise. */
export function exitCodeOf (err: unknown): ExitCode {
  return isBenchError(err) && (err as { statusCode?: number }).statusCode === 400 ? EXIT.usage : EXIT.error
}

/** Writes a thrown error to stderr, one line `error: CODE: message` for a coded error (the stack otherwise), and returns its exit code. */
export function reportError (err: unknown): ExitCode {
  if (isBenchError(err)) process.stderr.write(`error: ${err.code}: ${err.message}\n`)
  else process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return exitCodeOf(err)
}

/** Runs a command's main and sets the process exit code: the code main returns, or reportError's for what it throws. */
export function runCommand (main: () => number | Promise<number>): void {
  Promise.resolve().then(main).then((code) => { process.exitCode = code }, (err: unknown) => { process.exitCode = reportError(err) })
}

/** The option a node:util parseArgs error is about, and what was wrong with it. */
function describeParseFailure (err: Error & { code?: string }): { option: string, value: string } {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? ''
  // "Option '-h, --help <value>'": the long name when there is one
  const option = /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0] ?? 'option'
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return { option, value: 'not an option' }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return { option, value: err.message.includes('argument missing') ? 'no value given' : err.message.includes('does not take an argument') ? 'takes no value' : err.message }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return { option: 'argument', value: JSON.stringify(quoted) }
    default: return { option: 'command line', value: err.message }
  }
}
