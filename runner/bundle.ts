import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX_LOADER = import.meta.resolve('tsx')

// the processes every round forks: bundled once per run, they start in about half the time (no
// TypeScript loader, one module of our own code); dependencies stay in node_modules, loaded as installed
const BUNDLED_ENTRIES = ['servers/main.ts', 'clients/main.ts']

/**
 * Node flags of every load generator (forked here; `npm run loadgen` passes the same in package.json).
 * A young generation of up to 64 MB per semi-space: a generator holds one request, parser and batch per
 * held poll, and a fan-out answers thousands of them at once. With V8's default (16 MB) those objects
 * outlive a scavenge, are promoted, and old-generation collections stall the event loop in the middle
 * of a burst: at 3,363 long-poll clients the generator's event-loop delay p99 was 57 ms with the
 * default and the search stopped at the generator; with 64 MB it reached 4,000 clients and stopped at
 * the server's full core (README, "The instrument").
 */
export const LOADGEN_NODE_FLAGS = ['--max-semi-space-size=64'] as const

let bundleDir: string | undefined
const PREFIX = 'feedbench-bundle-'

/** How to fork a .ts entry of this repository: a bundle of it when it is one of the round's processes, else the entry itself under tsx. */
export function forkableEntry (entry: string): { path: string, execArgv: string[] } {
  if (!BUNDLED_ENTRIES.includes(entry)) return { path: join(ROOT, entry), execArgv: ['--import', TSX_LOADER] }
  bundleDir ??= buildBundles()
  // the server may be asked to collect garbage before its idle-memory readings (GET /_feedbench/stats?settle=1);
  // it runs with Node's defaults otherwise: it is what is measured. The load generator is the instrument.
  const execArgv = entry.startsWith('servers/') ? ['--enable-source-maps', '--expose-gc'] : ['--enable-source-maps', ...LOADGEN_NODE_FLAGS]
  return { path: join(bundleDir, entry.replace(/\.ts$/, '.mjs')), execArgv }
}

/**
 * Bundles the round's entries with esbuild (the compiler tsx uses) into a fresh directory inside
 * node_modules, so that bare imports resolve to the installed packages; the directory is removed when
 * this process exits, or by a later run once this process is gone (a killed process runs no exit
 * handler). Stack traces map back to the .ts sources.
 */
function buildBundles (): string {
  const cache = join(ROOT, 'node_modules', '.cache')
  mkdirSync(cache, { recursive: true })
  removeOrphans(cache)
  const dir = mkdtempSync(join(cache, `${PREFIX}${process.pid}-`))
  process.once('exit', () => { rmSync(dir, { recursive: true, force: true }) })
  buildSync({
    entryPoints: BUNDLED_ENTRIES.map((e) => join(ROOT, e)),
    outbase: ROOT,
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'silent',
  })
  return dir
}

/** Removes bundle directories of processes that no longer exist. */
function removeOrphans (cache: string): void {
  for (const name of readdirSync(cache)) {
    const pid = Number(/^feedbench-bundle-(\d+)-/.exec(name)?.[1])
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(cache, name), { recursive: true, force: true })
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, owned by someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
