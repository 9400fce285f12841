import createError from '@fastify/error'

/**
 * The one error registry. Every key equals its error's `.code` (a test keeps it so); messages name the
 * option, the value received and what is allowed.
 */
export const errors = {
  // configuration and command line
  BENCH_ERR_OPTION_INVALID: createError('BENCH_ERR_OPTION_INVALID', 'Invalid %s: %s (allowed: %s)', 400),
  BENCH_ERR_CONFIG_INVALID: createError('BENCH_ERR_CONFIG_INVALID', 'Invalid scenario %s: %s', 400),
  BENCH_ERR_UNKNOWN_SCENARIO: createError('BENCH_ERR_UNKNOWN_SCENARIO', 'Unknown scenario %s (available: %s, or a path to a .json file)', 400),
  BENCH_ERR_SCENARIO_FILE: createError('BENCH_ERR_SCENARIO_FILE', 'Cannot read scenario file %s: %s', 400),
  BENCH_ERR_UNKNOWN_TRANSPORT: createError('BENCH_ERR_UNKNOWN_TRANSPORT', 'Unknown transport %s (available: %s)', 400),
  BENCH_ERR_LIMIT_EXCEEDED: createError('BENCH_ERR_LIMIT_EXCEEDED', '%s is %s, above what this machine or server allows (%s)', 400),

  // processes and network
  BENCH_ERR_PORT_IN_USE: createError('BENCH_ERR_PORT_IN_USE', 'Port %s on %s is already in use (choose another --port, or 0 for any free port)'),
  BENCH_ERR_TARGET_UNREACHABLE: createError('BENCH_ERR_TARGET_UNREACHABLE', 'Target %s is unreachable: %s (start one with npm run serve)'),
  BENCH_ERR_TARGET_MISMATCH: createError('BENCH_ERR_TARGET_MISMATCH', 'Target %s cannot run this scenario: %s'),
  BENCH_ERR_CHILD_FAILED: createError('BENCH_ERR_CHILD_FAILED', '%s process failed: %s'),
  BENCH_ERR_TIMEOUT: createError('BENCH_ERR_TIMEOUT', '%s did not finish within %s ms'),

  // wire protocol (answered by servers with the status code)
  BENCH_ERR_BAD_REQUEST: createError('BENCH_ERR_BAD_REQUEST', 'Invalid %s: %s (allowed: %s)', 400),
  BENCH_ERR_SHUTTING_DOWN: createError('BENCH_ERR_SHUTTING_DOWN', 'Server is shutting down', 503),
  BENCH_ERR_NOT_RUNNING: createError('BENCH_ERR_NOT_RUNNING', 'No run in progress: %s', 409),
  BENCH_ERR_PROTOCOL: createError('BENCH_ERR_PROTOCOL', '%s protocol error: %s'),

  // results
  BENCH_ERR_RESULT_INVALID: createError('BENCH_ERR_RESULT_INVALID', 'Result file %s does not match schema version %s: %s'),
  BENCH_ERR_RUN_UNTRUSTWORTHY: createError('BENCH_ERR_RUN_UNTRUSTWORTHY', '%s'),
} as const

/** Any code of the registry. */
export type BenchErrorCode = keyof typeof errors

/** True when `err` is one of feedbench's coded errors. */
export function isBenchError (err: unknown): err is Error & { code: BenchErrorCode } {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code in errors
}
