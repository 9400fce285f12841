import { EXIT, runCommand } from '../core/command.ts'
import { errors } from '../core/errors.ts'
import { AB_USAGE, checkInterleaveOptions, parseAbArgs, runInterleaved } from './ab.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { BENCH_PROFILES, parseBenchArgs } from './cli-options.ts'

/** Rounds per side when neither --rounds nor a --profile says: the rank test's smallest p with 5 vs 5 is 0.008. */
const DEFAULT_ROUNDS = 5

async function main (): Promise<number> {
  const args = parseAbArgs(process.argv.slice(2), process.cwd())
  if (args.help) {
    process.stdout.write(AB_USAGE + '\n')
    return EXIT.ok
  }
  // every bench option is checked here, by this checkout's parser, before any load starts
  const bench = parseBenchArgs(args.benchArgs)
  checkInterleaveOptions(args.dirs, args.benchArgs)
  for (const name of bench.scenarios) {
    const scenario = loadScenario(name, bench.overrides)
    if (scenario.ramp.steps > 0) {
      throw new errors.BENCH_ERR_OPTION_INVALID('--scenario', JSON.stringify(name), 'scenarios without a client ramp (a ramp is one measurement per run, not rounds to interleave)')
    }
  }
  const rounds = args.rounds ?? (bench.profile === null ? DEFAULT_ROUNDS : BENCH_PROFILES[bench.profile].rounds)
  if (rounds < 4) process.stderr.write(`note: with ${rounds} rounds per side the rank test cannot reach p < 0.05; npm run compare will say "insufficient rounds"\n`)
  process.stderr.write(`bench:ab: ${rounds} rounds per side, ABBA order, base ${args.dirs.base}, head ${args.dirs.head}, into ${args.outDir}\n`)
  const result = await runInterleaved({
    dirs: args.dirs,
    // the scenarios named on both sides: a base checkout's own default list may differ from this one's
    benchArgs: args.benchArgs.some((a) => a === '--scenario' || a.startsWith('--scenario=')) ? args.benchArgs : [...args.benchArgs, '--scenario', bench.scenarios.join(',')],
    rounds,
    outDir: args.outDir,
    progress: (line) => { process.stderr.write(line + '\n') },
  })
  process.stdout.write(`order: ${result.order} (A = base, B = head)\nbase: ${result.files.base}\nhead: ${result.files.head}\n` +
    `compare with: npm run compare -- ${result.files.base} ${result.files.head}\n`)
  if (!result.valid) {
    process.stderr.write('INVALID rounds in this run: compare leaves them out and lists them.\n')
    return EXIT.invalid
  }
  return EXIT.ok
}

runCommand(main)
