import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { forkableEntry, loadgenNodeFlags } from './bundle.ts'

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
    expect(client.execArgv).toEqual(['--enable-source-maps'])
    expect(forkableEntry('servers/main.ts').path).toBe(server.path)
    expect(existsSync(orphan)).toBe(false)
    const other = forkableEntry('bench/raw-server.ts')
    expect(other.path).toBe(join(ROOT, 'bench/raw-server.ts'))
    expect(other.execArgv[0]).toBe('--import')
  })

  it('gives the polling transports\' generators a 64 MB young generation, and ws and sse V8\'s default', () => {
    expect(loadgenNodeFlags('long-poll')).toEqual(['--max-semi-space-size=64'])
    expect(loadgenNodeFlags('poll')).toEqual(['--max-semi-space-size=64'])
    expect(loadgenNodeFlags('ws')).toEqual([])
    expect(loadgenNodeFlags('sse')).toEqual([])
  })
})
