import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { errors } from '../core/errors.ts'
import { RunResultSchema, SCHEMA_VERSION, type RunResult } from './schema.ts'

/** Name of the copy of the newest run in a results directory. */
export const LATEST_FILE = 'latest.json'

// a run id becomes a file name: no separators, no leading dot
const RUN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/

/** Throws BENCH_ERR_RESULT_INVALID naming `file`, the schema version and the first bad path, unless `value` is a RunResult. */
export function assertRunResult (value: unknown, file: string): asserts value is RunResult {
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion
  if (typeof value === 'object' && value !== null && version !== SCHEMA_VERSION) {
    throw new errors.BENCH_ERR_RESULT_INVALID(file, SCHEMA_VERSION, `/schemaVersion is ${JSON.stringify(version) ?? 'missing'}`)
  }
  const first = Value.Errors(RunResultSchema, value).First()
  if (first !== undefined) {
    throw new errors.BENCH_ERR_RESULT_INVALID(file, SCHEMA_VERSION, `${first.path === '' ? '(root)' : first.path}: ${first.message}`)
  }
}

/** Validates `result` and writes it as `<dir>/<runId>.json` and `<dir>/latest.json`; returns both paths, run file first. */
export function writeResult (dir: string, result: RunResult): [runFile: string, latestFile: string] {
  const runFile = join(dir, `${result.runId}.json`)
  assertRunResult(result, runFile)
  if (!RUN_ID.test(result.runId)) {
    throw new errors.BENCH_ERR_RESULT_INVALID(runFile, SCHEMA_VERSION, `/runId ${JSON.stringify(result.runId)} is not a safe file name ([A-Za-z0-9._-])`)
  }
  const text = JSON.stringify(result, null, 2) + '\n'
  mkdirSync(dir, { recursive: true })
  const latestFile = join(dir, LATEST_FILE)
  writeAtomically(runFile, text)
  writeAtomically(latestFile, text)
  return [runFile, latestFile]
}

/** Reads and validates a result file; throws BENCH_ERR_RESULT_INVALID naming the file and the first bad path. */
export function readResult (path: string): RunResult {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new errors.BENCH_ERR_RESULT_INVALID(path, SCHEMA_VERSION, `cannot read it (${(cause as Error).message})`, { cause })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new errors.BENCH_ERR_RESULT_INVALID(path, SCHEMA_VERSION, `not JSON (${(cause as Error).message})`, { cause })
  }
  // keys added to the scenario schema later have defaults: an older file reads as if it had set them
  if (typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { scenarios?: unknown }).scenarios)) {
    Value.Default(RunResultSchema.properties.scenarios, (parsed as { scenarios: unknown }).scenarios)
  }
  assertRunResult(parsed, path)
  return parsed
}

// a reader never sees a half-written file: write beside it, then rename over it
function writeAtomically (path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}
