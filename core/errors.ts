import createError from '@fastify/error'

/** Format arguments, optionally followed by `{ cause }` (@fastify/error takes the cause from a last object). */
type ErrorArgs = Array<string | number | { cause: unknown }>

function define<C extends string> (code: C, message: string, statusCode?: number) {
  return statusCode === undefined ? createError<C, ErrorArgs>(code, message) : createError<C, ErrorArgs>(code, message, statusCode)
}

/**
 * The one error registry. Every key equals its error's `.code` (a test keeps it so); messages name the
 * option, the value received and what is allowed.
 */
export const errors = {
  // configuration and command line
  BENCH_ERR_OPTION_INVALID: define('BENCH_ERR_OPTION_INVALID', 'Invalid %s: %s (allowed: %s)', 400),
  BENCH_ERR_CONFIG_INVALID: define('BENCH_ERR_CONFIG_INVALID', 'Invalid scenario %s: %s', 400),
  BENCH_ERR_UNKNOWN_SCENARIO: define('BENCH_ERR_UNKNOWN_SCENARIO', 'Unknown scenario %s (available: %s, or a path to a .json file)', 400),
  BENCH_ERR_SCENARIO_FILE: define('BENCH_ERR_SCENARIO_FILE', 'Cannot read scenario file %s: %s', 400),
  BENCH_ERR_UNKNOWN_TRANSPORT: define('BENCH_ERR_UNKNOWN_TRANSPORT', 'Unknown transport %s (available: %s)', 400),
  BENCH_ERR_LIMIT_EXCEEDED: define('BENCH_ERR_LIMIT_EXCEEDED', '%s is %s, above what this machine or server allows (%s)', 400),
  BENCH_ERR_TEST_ONLY: define('BENCH_ERR_TEST_ONLY', '%s = %s is a test-only option, refused unless %s=1 (it injects a slowdown to measure the CI gate)', 400),

  // processes and network
  BENCH_ERR_PORT_IN_USE: define('BENCH_ERR_PORT_IN_USE', 'Port %s on %s is already in use (choose another --port, or 0 for any free port)'),
  BENCH_ERR_TARGET_UNREACHABLE: define('BENCH_ERR_TARGET_UNREACHABLE', 'Target %s is unreachable: %s (start one with npm run serve)'),
  BENCH_ERR_TARGET_MISMATCH: define('BENCH_ERR_TARGET_MISMATCH', 'Target %s cannot run this scenario: %s'),
  BENCH_ERR_SERVER_LOST: define('BENCH_ERR_SERVER_LOST', 'Server %s stopped answering during %s: %s (the round cannot be reconciled)'),
  BENCH_ERR_CHILD_FAILED: define('BENCH_ERR_CHILD_FAILED', '%s process failed: %s'),
  BENCH_ERR_TLS_SETUP: define('BENCH_ERR_TLS_SETUP', 'Cannot make the TLS certificate for --tls: %s (%s)'),
  BENCH_ERR_LOADGEN_REFUSED: define('BENCH_ERR_LOADGEN_REFUSED', 'Load generator %s refused by the coordinator: %s', 400),
  BENCH_ERR_LOADGEN_LOST: define('BENCH_ERR_LOADGEN_LOST', 'Load generator %s disconnected %s'),
  BENCH_ERR_TIMEOUT: define('BENCH_ERR_TIMEOUT', '%s did not finish within %s ms'),
  BENCH_ERR_ENVIRONMENT: define('BENCH_ERR_ENVIRONMENT', '%s cannot run on this machine: %s (%s)'),

  // wire protocol (answered by servers with the status code)
  BENCH_ERR_BAD_REQUEST: define('BENCH_ERR_BAD_REQUEST', 'Invalid %s: %s (allowed: %s)', 400),
  BENCH_ERR_SHUTTING_DOWN: define('BENCH_ERR_SHUTTING_DOWN', 'Server is shutting down', 503),
  BENCH_ERR_FORBIDDEN: define('BENCH_ERR_FORBIDDEN', 'Forbidden %s: %s (allowed: %s)', 403),
  BENCH_ERR_NOT_RUNNING: define('BENCH_ERR_NOT_RUNNING', 'No run in progress: %s', 409),
  BENCH_ERR_PROTOCOL: define('BENCH_ERR_PROTOCOL', '%s protocol error: %s'),

  // results
  BENCH_ERR_RESULT_INVALID: define('BENCH_ERR_RESULT_INVALID', 'Result file %s does not match schema version %s: %s'),
  BENCH_ERR_MERGE_MISMATCH: define('BENCH_ERR_MERGE_MISMATCH', 'Cannot merge run %s with the others: %s is %s (expected %s)'),
  BENCH_ERR_CONFIG_MISMATCH: define('BENCH_ERR_CONFIG_MISMATCH', 'Cannot compare runs with different configs: %s is %s in base and %s in head'),
} as const

/** Any code of the registry. */
export type BenchErrorCode = keyof typeof errors

/** True when `err` is one of feedbench's coded errors. */
export function isBenchError (err: unknown): err is Error & { code: BenchErrorCode } {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code in errors
}
