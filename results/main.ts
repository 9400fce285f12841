import { writeFileSync } from 'node:fs'
import { EXIT, parseCommandLine, runCommand } from '../core/command.ts'
import { errors } from '../core/errors.ts'
import { compare, DEFAULT_THRESHOLD_PCT } from './compare.ts'
import { githubActionBenchmarkPaths, toBencherMetricFormat, toGithubActionBenchmark } from './exports.ts'
import { renderMarkdown } from './markdown.ts'
import { METRICS, type MetricKey } from './metrics.ts'
import type { RunResult } from './schema.ts'
import { readResult } from './store.ts'

const EXPORT_FORMATS = ['bmf', 'github-action-benchmark'] as const
type ExportFormat = typeof EXPORT_FORMATS[number]

const USAGE = `Usage:
  npm run compare -- BASE.json HEAD.json [--threshold 10%] [--metric p50,p99,msgs,bytes,cpu]
                     [--markdown FILE] [--export FORMAT FILE]...
  npm run compare -- RESULT.json --export FORMAT FILE...      export one result, no comparison

  --threshold PCT   a change must exceed this to be flagged (default ${DEFAULT_THRESHOLD_PCT}%)
  --metric LIST     metrics to compare and export (default all: ${METRICS.map((m) => m.key).join(',')})
  --markdown FILE   write the markdown summary to FILE instead of stdout
  --export FORMAT FILE
                    bmf: Bencher Metric Format JSON in FILE
                    github-action-benchmark: FILE.smaller.json (customSmallerIsBetter) and
                    FILE.bigger.json (customBiggerIsBetter), FILE's .json suffix dropped
                    With BASE and HEAD, HEAD is exported.
Exit codes: 0 pass, 1 error, 2 usage, 99 regression.`

interface CompareArgs {
  readonly files: readonly string[]
  readonly thresholdPct: number
  readonly metrics: readonly MetricKey[]
  readonly markdownFile: string | null
  readonly exports: ReadonlyArray<{ format: ExportFormat, file: string }>
}

/** Parses argv into compare arguments; throws BENCH_ERR_OPTION_INVALID naming the option, the value and what is allowed. */
function parseCompareArgs (argv: readonly string[]): CompareArgs | 'help' {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    tokens: true,
    options: {
      threshold: { type: 'string' },
      metric: { type: 'string' },
      markdown: { type: 'string' },
      export: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (parsed.values.help === true) return 'help'
  const files: string[] = []
  const exports: Array<{ format: ExportFormat, file: string }> = []
  let pendingFormat: ExportFormat | null = null
  for (const token of parsed.tokens) {
    if (token.kind === 'option' && token.name === 'export') {
      if (pendingFormat !== null) throw new errors.BENCH_ERR_OPTION_INVALID(`--export ${pendingFormat}`, 'no FILE', 'a file path after the format')
      pendingFormat = parseFormat(token.value ?? '')
    } else if (token.kind === 'positional') {
      if (pendingFormat === null) files.push(token.value)
      else exports.push({ format: pendingFormat, file: token.value })
      pendingFormat = null
    } else if (pendingFormat !== null) {
      throw new errors.BENCH_ERR_OPTION_INVALID(`--export ${pendingFormat}`, 'no FILE', 'a file path after the format')
    }
  }
  if (pendingFormat !== null) throw new errors.BENCH_ERR_OPTION_INVALID(`--export ${pendingFormat}`, 'no FILE', 'a file path after the format')
  const markdownFile = parsed.values.markdown ?? null
  if (files.length === 1 && exports.length === 0) {
    throw new errors.BENCH_ERR_OPTION_INVALID('arguments', JSON.stringify(files), 'BASE.json HEAD.json, or one RESULT.json with --export FORMAT FILE')
  }
  if (files.length === 1 && markdownFile !== null) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--markdown', JSON.stringify(markdownFile), 'only when comparing BASE.json and HEAD.json')
  }
  if (files.length === 0 || files.length > 2) {
    throw new errors.BENCH_ERR_OPTION_INVALID('arguments', files.length === 0 ? 'none' : JSON.stringify(files), 'BASE.json HEAD.json, or one RESULT.json with --export FORMAT FILE')
  }
  return {
    files,
    thresholdPct: parseThreshold(parsed.values.threshold),
    metrics: parseMetrics(parsed.values.metric),
    markdownFile,
    exports,
  }
}

/** Runs `npm run compare` with these arguments; returns the exit code. */
function runCompare (argv: readonly string[]): number {
  const args = parseCompareArgs(argv)
  if (args === 'help') {
    process.stdout.write(USAGE + '\n')
    return EXIT.ok
  }
  const results = args.files.map((f) => readResult(f))
  const exported = results[results.length - 1] as RunResult
  for (const { format, file } of args.exports) writeExport(format, file, exported, args.metrics)
  if (results.length === 1) return EXIT.ok
  const [base, head] = results as [RunResult, RunResult]
  const comparison = compare(base, head, { thresholdPct: args.thresholdPct, metrics: args.metrics })
  const markdown = renderMarkdown(comparison, { base: label(args.files[0] ?? '', base), head: label(args.files[1] ?? '', head) })
  if (args.markdownFile === null) process.stdout.write(markdown + '\n')
  else writeFileSync(args.markdownFile, markdown + '\n')
  const regressions = comparison.rows.filter((r) => r.verdict === 'regression')
  for (const side of ['base', 'head'] as const) {
    const us = comparison.injectedDelayUs[side]
    if (us > 0) process.stderr.write(`compare: note: ${side} was produced in TEST MODE with an injected slowdown of ${us} µs per published batch\n`)
  }
  process.stderr.write(regressions.length === 0
    ? 'compare: pass (no significant change beyond the threshold)\n'
    : `compare: REGRESSION in ${regressions.map((r) => `${r.scenario}/${r.transport} ${r.metric}`).join(', ')}\n`)
  return comparison.hasRegression ? EXIT.regression : EXIT.ok
}

function writeExport (format: ExportFormat, file: string, result: RunResult, metrics: readonly MetricKey[]): void {
  if (format === 'bmf') {
    writeFileSync(file, JSON.stringify(toBencherMetricFormat(result, metrics), null, 2) + '\n')
    return
  }
  const gab = toGithubActionBenchmark(result, metrics)
  const paths = githubActionBenchmarkPaths(file)
  writeFileSync(paths.smaller, JSON.stringify(gab.smallerIsBetter, null, 2) + '\n')
  writeFileSync(paths.bigger, JSON.stringify(gab.biggerIsBetter, null, 2) + '\n')
}

function parseFormat (value: string): ExportFormat {
  const found = EXPORT_FORMATS.find((f) => f === value)
  if (found === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('--export', JSON.stringify(value), EXPORT_FORMATS.join(', '))
  return found
}

function parseThreshold (value: string | undefined): number {
  if (value === undefined) return DEFAULT_THRESHOLD_PCT
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim())
  const pct = match === null ? NaN : Number(match[1])
  if (!(pct >= 0 && pct <= 1000)) throw new errors.BENCH_ERR_OPTION_INVALID('--threshold', JSON.stringify(value), 'a percentage from 0% to 1000%, such as 10%')
  return pct
}

function parseMetrics (value: string | undefined): MetricKey[] {
  const keys = METRICS.map((m) => m.key)
  if (value === undefined) return keys
  const asked = value.split(',').map((s) => s.trim())
  const unknown = asked.find((k) => !(keys as string[]).includes(k))
  if (unknown !== undefined) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--metric', JSON.stringify(unknown ?? value), `a comma-separated list of ${keys.join(', ')}`)
  }
  return keys.filter((k) => asked.includes(k))
}

function label (file: string, run: RunResult): string {
  const commit = run.environment.gitCommit
  return commit === null ? `${file} (${run.runId})` : `${file} (${commit.slice(0, 12)})`
}

runCommand(() => runCompare(process.argv.slice(2)))
