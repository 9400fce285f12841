import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

// ws 8.22 counts zero-length fragments against maxFragments (fragment-flood fix); older versions let
// 200k empty fragments through. Every ws the servers or clients can load must be at least this.
const MIN_WS = [8, 22, 0] as const

/** True when a semver `version` (x.y.z, prerelease ignored) is at least `min`. */
function isAtLeast (version: string, min: readonly [number, number, number]): boolean {
  const parts = version.split(/[.+-]/).slice(0, 3).map(Number)
  for (let i = 0; i < 3; i++) {
    const a = parts[i] ?? 0
    const b = min[i] as number
    if (a !== b) return a > b
  }
  return true
}

function versionOf (require: NodeJS.Require, name: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version
}

const require = createRequire(import.meta.url)

describe('ws version guard', () => {
  it('compares versions: 8.21.9 is too old, 8.22.0, 8.23.1 and 9.0.0 are new enough', () => {
    expect(['8.21.9', '8.22.0', '8.23.1', '9.0.0', '7.5.10'].map((v) => isAtLeast(v, MIN_WS))).toEqual([false, true, true, true, false])
  })

  it('the ws the project resolves is >= 8.22', () => {
    expect(versionOf(require, 'ws'), 'top-level ws').toSatisfy((v: string) => isAtLeast(v, MIN_WS))
  })

  it('the ws @fastify/websocket resolves (the one the ws server runs on) is >= 8.22', () => {
    const fromPlugin = createRequire(require.resolve('@fastify/websocket'))
    expect(versionOf(fromPlugin, 'ws'), 'ws as @fastify/websocket loads it').toSatisfy((v: string) => isAtLeast(v, MIN_WS))
  })

  it('every ws in package-lock.json is >= 8.22', () => {
    const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { version?: string }> }
    const entries = Object.entries(lock.packages).filter(([path]) => path === 'node_modules/ws' || path.endsWith('/node_modules/ws'))
    expect(entries.length).toBeGreaterThan(0)
    for (const [path, entry] of entries) expect(entry.version ?? '0.0.0', path).toSatisfy((v: string) => isAtLeast(v, MIN_WS))
  })
})
