import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT, parseCommandLine, runCommand } from '../core/command.ts'
import { errors } from '../core/errors.ts'
import { isTransportName, TRANSPORT_NAMES } from '../core/wire-protocol.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { buildManifests, TOKEN_SECRET } from './k8s.ts'

// `npm run k8s`: writes the Kubernetes manifests of a run with N generator pods (runner/k8s.ts).

const USAGE = 'npm run k8s -- --loadgens N --image IMAGE [--out DIR (default k8s)] [--scenario NAME (default ticker)] [--transport LIST (default all)]'

async function main (): Promise<number> {
  const { values } = parseCommandLine({
    args: process.argv.slice(2),
    options: {
      loadgens: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string', default: 'k8s' },
      scenario: { type: 'string', default: 'ticker' },
      transport: { type: 'string', default: TRANSPORT_NAMES.join(',') },
      help: { type: 'boolean', default: false },
    },
  }, USAGE)
  if (values.help) {
    process.stdout.write(USAGE + '\n')
    return EXIT.ok
  }
  const loadgens = Number(values.loadgens)
  if (!Number.isInteger(loadgens) || loadgens < 1 || loadgens > 1000) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--loadgens', JSON.stringify(values.loadgens ?? null), 'an integer from 1 to 1000')
  }
  if (values.image === undefined || !/^\S+$/.test(values.image)) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--image', JSON.stringify(values.image ?? null), 'an image reference the cluster can pull, e.g. registry.example.com/feedbench:1')
  }
  // the names are checked here, not in the cluster an hour later
  loadScenario(values.scenario)
  for (const t of values.transport.split(',')) if (!isTransportName(t)) throw new errors.BENCH_ERR_UNKNOWN_TRANSPORT(JSON.stringify(t), TRANSPORT_NAMES.join(', '))

  const manifests = buildManifests({ loadgens, image: values.image, scenario: values.scenario, transports: values.transport })
  mkdirSync(values.out, { recursive: true })
  const files = Object.entries(manifests).map(([name, manifest]) => {
    const path = join(values.out, `${name}.json`)
    writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n')
    return path
  })
  process.stdout.write(`${files.join('\n')}\nthe pods read FEEDBENCH_TOKEN from the Secret ${TOKEN_SECRET} (key token): create it before kubectl apply\n`)
  return EXIT.ok
}

runCommand(main)
