import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import type { TransportName } from '../core/wire-protocol.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX_LOADER = import.meta.resolve('tsx')

// the processes every round forks: bundled once per run, they start in about half the time (no
// TypeScript loader, one module of our own code); dependencies stay in node_modules, loaded as installed
const BUNDLED_ENTRIES = ['servers/main.ts', 'clients/main.ts']

/**
 * Node flags of a forked Node load generator of `transport`. The polling transports' generators get a
 * young generation of up to 64 MB per semi-space: a generator holds one request, parser and batch per
 * held poll, and a fan-out answers thousands of them at once. With V8's default (16 MB) those objects
 * outlive a scavenge, are promoted, and old-generation collections stall the event loop mid-burst: at
 * 4,000 long-poll clients the generator's event-loop delay p99 was 37–83 ms with the default and 33–53 ms
 * with 64 MB, and the capacity search reached the server's full core instead of stopping at the
 * generator. ws and sse keep V8's default: at 16,000 ws connections the larger young generation made the
 * delay worse (p99 median 57 ms in 7 rounds against 31 ms in 5). README, "A load generator cheaper than
 * the server".
 */
export function loadgenNodeFlags (transport: TransportName): string[] {
  return transport === 'long-poll' || transport === 'poll' ? ['--max-semi-space-size=64'] : []
}

let bundleDir: string | undefined
const PREFIX = 'feedbench-bundle-'

/** How to fork a .ts entry of this repository: a bundle of it when it is one of the round's processes, else the entry itself under tsx. */
export function forkableEntry (entry: string): { path: string, execArgv: string[] } {
  if (!BUNDLED_ENTRIES.includes(entry)) return { path: join(ROOT, entry), execArgv: ['--import', TSX_LOADER] }
  bundleDir ??= buildBundles()
  // the server may be asked to collect garbage before its idle-memory readings (GET /_feedbench/stats?settle=1)
  const execArgv = entry.startsWith('servers/') ? ['--enable-source-maps', '--expose-gc'] : ['--enable-source-maps']
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
