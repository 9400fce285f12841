import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { readResult } from '../results/store.ts'
import { EXIT, parseCommandLine, runCommand } from '../core/command.ts'
import { errors } from '../core/errors.ts'
import { renderReport } from './render.ts'
import { renderTerminalSummary } from './terminal.ts'

const USAGE = 'npm run report -- RESULT.json [--baseline BASE.json] [--out report/index.html]'

interface ReportArgs { readonly input: string, readonly baseline: string | undefined, readonly out: string }

/** Parses the command line; throws BENCH_ERR_OPTION_INVALID naming the option. */
function parseReportArgs (argv: readonly string[]): ReportArgs {
  const { positionals, values } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { baseline: { type: 'string' }, out: { type: 'string', default: 'report/index.html' } },
  }, USAGE)
  if (positionals.length !== 1) {
    throw new errors.BENCH_ERR_OPTION_INVALID('result file', positionals.length === 0 ? 'none given' : positionals.join(' '), `exactly one path; ${USAGE}`)
  }
  if (values.baseline === '') throw new errors.BENCH_ERR_OPTION_INVALID('--baseline', '""', 'a path to a result file')
  if (values.out === '' || !values.out.endsWith('.html')) throw new errors.BENCH_ERR_OPTION_INVALID('--out', JSON.stringify(values.out), 'a path ending in .html')
  return { input: positionals[0]!, baseline: values.baseline, out: values.out }
}

function main (): number {
  const args = parseReportArgs(process.argv.slice(2))
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
  return EXIT.ok
}

runCommand(main)
