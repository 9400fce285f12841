import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { RunResult } from './schema.ts'

/** The machine context recorded with every run. */
export type Environment = RunResult['environment']

/** Packages whose versions decide the numbers; recorded in every result. */
export const RECORDED_PACKAGES = ['fastify', '@fastify/websocket', 'ws', 'undici', 'eventsource-parser', 'hdr-histogram-js'] as const

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Version of an installed package from node_modules/<pkg>/package.json, or 'not installed'. */
export function installedVersion (pkg: string, root = PROJECT_ROOT): string {
  try {
    const json = JSON.parse(readFileSync(`${root}/node_modules/${pkg}/package.json`, 'utf8')) as { version?: unknown }
    return typeof json.version === 'string' ? json.version : 'unknown'
  } catch {
    return 'not installed'
  }
}

/** The checked-out git commit, or null outside a git work tree (or without git). */
export function gitCommit (root = PROJECT_ROOT): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 })
    return /^[0-9a-f]{40,64}$/.test(out.trim()) ? out.trim() : null
  } catch {
    return null
  }
}

/** Fingerprints this machine for a run that started at `startedAt` and ended at `endedAt`. */
export function collectEnvironment (startedAt: Date, endedAt: Date = new Date(), env: NodeJS.ProcessEnv = process.env): Environment {
  const cpus = os.cpus()
  const ci = env.CI
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    gitCommit: gitCommit(),
    ci: ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false',
    packages: Object.fromEntries(RECORDED_PACKAGES.map((p) => [p, installedVersion(p)])),
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
  }
}
