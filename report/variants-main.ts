import { parseCommandLine, runCommand, EXIT } from '../core/command.ts'
import { errors } from '../core/errors.ts'
import { readResult } from '../results/store.ts'
import { compareVariants } from '../results/variants.ts'
import { renderVariants } from './variant-claims.ts'

// `npm run report:variants`: runs of one configuration over plain HTTP/1.1, HTTP/1.1 + TLS and HTTP/2 +
// TLS (npm run bench with no flag, --tls, --tls --http 2), side by side, with the claims that need them.

const USAGE = 'npm run report:variants -- PLAIN.json TLS.json H2.json (two or more runs of the same scenarios over different --tls / --http)'

function main (): number {
  const { positionals } = parseCommandLine({ args: process.argv.slice(2), allowPositionals: true, strict: true, options: {} }, USAGE)
  if (positionals.length < 2) throw new errors.BENCH_ERR_OPTION_INVALID('result files', positionals.length === 0 ? 'none given' : positionals.join(' '), `two or more; ${USAGE}`)
  process.stdout.write(renderVariants(compareVariants(positionals.map((p) => readResult(p)))) + '\n')
  return EXIT.ok
}

runCommand(main)
