import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { formatCpuList, parseCpuList } from '../core/cpu-list.ts'
import { errors } from '../core/errors.ts'
import type { CpuPinning } from '../results/schema.ts'

export type { CpuPinning }

// The server gets cores of its own so that its CPU figures (and where it breaks) are not the load
// generators' contention; the generators share the rest. Applied by starting each process under
// `taskset -c`, so every thread (V8's, libuv's, the publisher clock's worker) inherits the mask from
// its first instruction.

const TASKSET = '/usr/bin/taskset'

/** The cores this process may run on (its affinity mask, /proc/self/status Cpus_allowed_list), or null when unreadable. */
export function allowedCpus (): number[] | null {
  try {
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return line === undefined ? null : parseCpuList(line)
  } catch {
    return null
  }
}

function hasTaskset (): boolean {
  try {
    execFileSync(TASKSET, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Decides the pinning of a run. `serverCpus` is the --server-cpus text (a CPU list, "none" to pin
 * nothing, or undefined for the default: the first allowed core for the server, the others for the
 * generators). An explicit list naming a core this process may not use, or leaving none for the
 * generators, is a usage error; a machine where pinning cannot work (one core, no taskset, a server
 * started elsewhere) gets an unpinned run whose reason is recorded.
 */
export function planCpuPinning (serverCpus: string | undefined, target: string | null,
  allowed: number[] | null = allowedCpus(), taskset: () => boolean = hasTaskset): CpuPinning {
  const option = '--server-cpus'
  if (serverCpus === 'none') return { server: null, loadgens: null, unpinnedReason: `${option} none` }
  const requested = serverCpus === undefined ? undefined : parseCpuList(serverCpus)
  if (serverCpus !== undefined) {
    if (requested === null || requested === undefined) {
      throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(serverCpus), 'a CPU list such as 0 or 0-1,4, or none')
    }
    if (allowed !== null) {
      const missing = requested.filter((c) => !allowed.includes(c))
      if (missing.length > 0) {
        throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(serverCpus), `cores this machine lets the run use: ${formatCpuList(allowed)} (core ${missing.join(', ')} is not one)`)
      }
      if (allowed.every((c) => requested.includes(c))) {
        throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(serverCpus), `a subset of ${formatCpuList(allowed)} that leaves at least one core for the load generators`)
      }
    }
  }
  if (target !== null) return { server: null, loadgens: null, unpinnedReason: 'the server was started elsewhere (--target)' }
  if (allowed === null) return { server: null, loadgens: null, unpinnedReason: 'this machine does not say which cores the run may use (/proc/self/status)' }
  if (allowed.length < 2) return { server: null, loadgens: null, unpinnedReason: `only one core (${formatCpuList(allowed)}) is available: server and load generators share it` }
  if (!taskset()) return { server: null, loadgens: null, unpinnedReason: `${TASKSET} is missing (Debian package util-linux)` }
  const server = requested ?? allowed.slice(0, 1)
  return { server, loadgens: allowed.filter((c) => !server.includes(c)) }
}

/** How to start a Node process on `cpus`: fork() runs execPath with execArgv, so taskset goes in front of node. */
export function pinnedExec (cpus: readonly number[] | null, execArgv: readonly string[]): { execPath: string, execArgv: string[] } {
  if (cpus === null) return { execPath: process.execPath, execArgv: [...execArgv] }
  return { execPath: TASKSET, execArgv: ['-c', formatCpuList(cpus), process.execPath, ...execArgv] }
}
