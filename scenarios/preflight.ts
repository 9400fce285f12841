import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { maxMessageBytes, type ScenarioConfig } from './core/config.ts'
import { errors } from './core/errors.ts'
import type { TransportName } from './core/transports.ts'
import { ControlClient } from './control-client.ts'

/** Descriptors a process needs beyond its sockets (stdio, IPC, libuv, module files). */
const FD_MARGIN = 200

/** Sockets one client holds at most: a stream plus an upstream request (SSE, polling). */
const SOCKETS_PER_CLIENT = 2

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

/** Checks, before any load, that this machine can hold the connections the scenarios ask for. */
export function checkMachineLimits (scenarios: readonly ScenarioConfig[]): void {
  const limit = openFileLimit()
  const ports = ephemeralPortCount()
  for (const s of scenarios) {
    const sockets = s.clients * SOCKETS_PER_CLIENT
    if (limit !== null && sockets + FD_MARGIN > limit) {
      throw new errors.BENCH_ERR_LIMIT_EXCEEDED(`--clients for scenario "${s.name}"`, s.clients,
        `ulimit -n is ${limit}; up to ${Math.floor((limit - FD_MARGIN) / SOCKETS_PER_CLIENT)} clients fit; raise it with ulimit -n`)
    }
    if (ports !== null && sockets > ports) {
      throw new errors.BENCH_ERR_LIMIT_EXCEEDED(`--clients for scenario "${s.name}"`, s.clients,
        `the ephemeral port range has ${ports} ports (net.ipv4.ip_local_port_range)`)
    }
  }
}

/** With --target: the server must answer, serve the transports and run the same feed as the scenario. */
export async function checkTarget (target: string, scenarios: readonly ScenarioConfig[], transports: readonly TransportName[]): Promise<void> {
  const info = await new ControlClient(target).info()
  for (const t of transports) {
    if (!info.transports.includes(t)) {
      throw new errors.BENCH_ERR_TARGET_MISMATCH(target, `it does not serve transport ${t} (it serves ${info.transports.join(', ')})`)
    }
  }
  const feedKeys = ['pattern', 'clients', 'ratePerSec', 'payloadBytes', 'upstreamPayloadBytes', 'seed'] as const
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
