import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { readResult } from '../results/store.ts'
import { errors, isBenchError } from '../core/errors.ts'
import { renderReport } from './render.ts'
import { renderTerminalSummary } from './terminal.ts'

const USAGE = 'npm run report -- RESULT.json [--baseline BASE.json] [--out report/index.html]'
const EXIT_USAGE = 2

interface ReportArgs { readonly input: string, readonly baseline: string | undefined, readonly out: string }

/** Parses the command line; throws BENCH_ERR_OPTION_INVALID naming the option. */
function parseReportArgs (argv: readonly string[]): ReportArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { baseline: { type: 'string' }, out: { type: 'string', default: 'report/index.html' } },
    })
  } catch (cause) {
    throw new errors.BENCH_ERR_OPTION_INVALID('option', (cause as Error).message, USAGE, { cause })
  }
  const { positionals, values } = parsed
  if (positionals.length !== 1) {
    throw new errors.BENCH_ERR_OPTION_INVALID('result file', positionals.length === 0 ? 'none given' : positionals.join(' '), `exactly one path; ${USAGE}`)
  }
  if (values.baseline === '') throw new errors.BENCH_ERR_OPTION_INVALID('--baseline', '""', 'a path to a result file')
  if (values.out === '' || !values.out.endsWith('.html')) throw new errors.BENCH_ERR_OPTION_INVALID('--out', JSON.stringify(values.out), 'a path ending in .html')
  return { input: positionals[0]!, baseline: values.baseline, out: values.out }
}

function main (): number {
  let args: ReportArgs
  try {
    args = parseReportArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  const started = performance.now()
  const result = readResult(args.input)
  const baseline = args.baseline === undefined ? undefined : readResult(args.baseline)
  const page = renderReport(result, baseline === undefined ? {} : { baseline })
  const out = resolve(args.out)
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, page)
  const ms = performance.now() - started
  process.stdout.write(renderTerminalSummary(result) + '\n')
  process.stderr.write(`report: ${out} (${(Buffer.byteLength(page) / 1024).toFixed(0)} KiB, generated in ${ms.toFixed(0)} ms)\n`)
  return 0
}

try {
  process.exitCode = main()
} catch (err) {
  process.stderr.write(`${isBenchError(err) ? `${err.code}: ` : ''}${(err as Error).message}\n`)
  process.exitCode = 1
}
