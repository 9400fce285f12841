import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

const HERE = dirname(fileURLToPath(import.meta.url))
const CLIENTS = dirname(HERE)
const ROOT = dirname(CLIENTS)

// Node-only modules of the session and their page twins, with the same exports: the page runs the
// session unchanged, on the page's aligned clock, its main-thread monitor and the browser's transports
const SUBSTITUTES: ReadonlyMap<string, string> = new Map([
  [join(ROOT, 'core', 'clock.ts'), join(HERE, 'page-clock.ts')],
  [join(ROOT, 'core', 'process-stats.ts'), join(HERE, 'page-monitor.ts')],
  [join(CLIENTS, 'registry.ts'), join(HERE, 'page-transports.ts')],
])

// @fastify/error (core/errors.ts) requires node:http and node:util; the page gets the little it uses
const NODE_SHIMS = join(HERE, 'page-node-shims.ts')

const substitute: Plugin = {
  name: 'feedbench-page-substitutes',
  setup (b) {
    b.onResolve({ filter: /^node:(http|util)$/ }, () => ({ path: NODE_SHIMS }))
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      const twin = SUBSTITUTES.get(resolve(args.resolveDir, args.path))
      return twin === undefined ? undefined : { path: twin }
    })
  },
}

let bundled: Promise<string> | undefined

/** The page script (clients/browser/page.ts and everything it imports, hdr-histogram-js included) as one IIFE; built once per process. */
export function pageScript (): Promise<string> {
  bundled ??= build({
    entryPoints: [join(HERE, 'page.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    plugins: [substitute],
    logLevel: 'silent',
  }).then((result) => {
    const file = result.outputFiles[0]
    if (file === undefined) throw new Error('esbuild produced no page script')
    return file.text
  })
  return bundled
}
