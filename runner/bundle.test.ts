import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { forkableEntry, LOADGEN_NODE_FLAGS } from './bundle.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

describe('forkableEntry', () => {
  it('bundles the round processes once, removes bundles of processes that are gone, and leaves other entries to tsx', () => {
    // pid 2^22 + 1 is above Linux's pid_max: no such process can exist
    const orphan = join(ROOT, 'node_modules', '.cache', `feedbench-bundle-${2 ** 22 + 1}-test`)
    mkdirSync(orphan, { recursive: true })
    const server = forkableEntry('servers/main.ts')
    const client = forkableEntry('clients/main.ts')
    expect(server.path).toMatch(new RegExp(`feedbench-bundle-${process.pid}-[^/]+/servers/main\\.mjs$`))
    expect(existsSync(server.path) && existsSync(`${server.path}.map`) && existsSync(client.path)).toBe(true)
    expect(server.execArgv).toEqual(['--enable-source-maps', '--expose-gc'])
    // the server runs with Node's defaults (it is what is measured); the generators with the instrument's flags
    expect(client.execArgv).toEqual(['--enable-source-maps', ...LOADGEN_NODE_FLAGS])
    expect(forkableEntry('servers/main.ts').path).toBe(server.path)
    expect(existsSync(orphan)).toBe(false)
    const other = forkableEntry('bench/raw-server.ts')
    expect(other.path).toBe(join(ROOT, 'bench/raw-server.ts'))
    expect(other.execArgv[0]).toBe('--import')
  })

  it('starts a remote load generator (npm run loadgen) with the same Node flags as a forked one', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    for (const flag of LOADGEN_NODE_FLAGS) expect(scripts.loadgen).toContain(` ${flag} `)
  })
})
