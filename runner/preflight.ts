import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { maxMessageBytes, type ScenarioConfig, type ScenarioPattern } from '../core/config.ts'
import { CHROMIUM_PATH, type ClientKind } from '../core/control.ts'
import { errors } from '../core/errors.ts'
import { sendsUpstream } from '../core/streams.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { ControlClient } from './control-client.ts'

/** Descriptors a process needs beyond its sockets (stdio, IPC, libuv, module files). */
const FD_MARGIN = 200

/** Sockets one client holds at most: its downstream, plus an upstream request (SSE, polling) when the pattern sends upstream. */
export function socketsPerClient (pattern: ScenarioPattern): number {
  return sendsUpstream(pattern) ? 2 : 1
}

/** The most clients of a pattern this machine holds (server and load generator each need a descriptor per socket), and what bounds it; null when unknown. */
export function machineClientLimit (pattern: ScenarioPattern): { readonly clients: number, readonly bound: string } | null {
  const limit = openFileLimit()
  const ports = ephemeralPortCount()
  const perClient = socketsPerClient(pattern)
  const byFds = limit === null ? Number.POSITIVE_INFINITY : Math.floor((limit - FD_MARGIN) / perClient)
  const byPorts = ports === null ? Number.POSITIVE_INFINITY : Math.floor(ports / perClient)
  if (!Number.isFinite(byFds) && !Number.isFinite(byPorts)) return null
  return byFds <= byPorts
    ? { clients: byFds, bound: `ulimit -n is ${limit}; up to ${byFds} clients fit; raise it with ulimit -n` }
    : { clients: byPorts, bound: `the ephemeral port range has ${ports} ports (net.ipv4.ip_local_port_range)` }
}

/** The soft limit on open files of processes started from here (`ulimit -n`), or null when unknown. */
export function openFileLimit (): number | null {
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
    return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text)
  } catch {
    return null
  }
}

/** Size of the local ephemeral port range, or null when unknown (not Linux). */
export function ephemeralPortCount (): number | null {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    return low !== undefined && high !== undefined ? high - low + 1 : null
  } catch {
    return null
  }
}

/**
 * Checks, before any load, that this machine can hold the connections the scenarios ask for. A ramp
 * scenario is checked step by step instead (runner/ramp.ts): its steps above the limit are skipped.
 */
export function checkMachineLimits (scenarios: readonly ScenarioConfig[]): void {
  for (const s of scenarios) {
    if (s.ramp.steps > 0) continue
    const limit = machineClientLimit(s.pattern)
    if (limit !== null && s.clients > limit.clients) {
      throw new errors.BENCH_ERR_LIMIT_EXCEEDED(`--clients for scenario "${s.name}"`, s.clients, limit.bound)
    }
  }
}

/**
 * Checks, before any load, that the clients can run where --clients-in says: Chromium clients need
 * Debian's Chromium at `chromiumPath` (never a downloaded browser). Missing, it is an environment
 * failure (exit 1), not a usage error.
 */
export function checkClientsIn (kind: ClientKind, chromiumPath: string = CHROMIUM_PATH): void {
  if (kind === 'chromium' && !existsSync(chromiumPath)) {
    throw new errors.BENCH_ERR_ENVIRONMENT('--clients-in chromium', `${chromiumPath} is missing`, 'install the Debian package chromium: apt-get install -y chromium')
  }
}

/** The coded error for faults.restartAtMs with --target: only a server the runner started can be killed and replaced. */
export function restartWithTarget (scenario: string, target: string): Error {
  return new errors.BENCH_ERR_OPTION_INVALID('--target', JSON.stringify(target),
    `not with faults.restartAtMs (scenario ${JSON.stringify(scenario)} restarts the server mid-run, which only works with a server the runner starts itself)`)
}

/** With --target: the server must answer, serve the transports and run the same feed as the scenario. */
export async function checkTarget (target: string, scenarios: readonly ScenarioConfig[], transports: readonly TransportName[]): Promise<void> {
  const restarting = scenarios.find((s) => s.faults.restartAtMs > 0)
  if (restarting !== undefined) throw restartWithTarget(restarting.name, target)
  const info = await new ControlClient(target).info()
  for (const t of transports) {
    if (!info.transports.includes(t)) {
      throw new errors.BENCH_ERR_TARGET_MISMATCH(target, `it does not serve transport ${t} (it serves ${info.transports.join(', ')})`)
    }
  }
  const feedKeys = ['pattern', 'clients', 'ratePerSec', 'burstSize', 'payloadBytes', 'upstreamPayloadBytes', 'seed'] as const
  for (const s of scenarios) {
    for (const key of feedKeys) {
      if (info.scenario[key] !== s[key]) {
        throw new errors.BENCH_ERR_TARGET_MISMATCH(target,
          `scenario "${s.name}" has ${key} = ${String(s[key])} but the server runs "${info.scenario.name}" with ${key} = ${String(info.scenario[key])}`)
      }
    }
    if (maxMessageBytes(s) > info.maxMessageBytes) {
      throw new errors.BENCH_ERR_LIMIT_EXCEEDED(`payload of scenario "${s.name}"`, `${maxMessageBytes(s)} bytes`,
        `the server accepts messages up to ${info.maxMessageBytes} bytes`)
    }
  }
}
