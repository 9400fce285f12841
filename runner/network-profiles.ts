import { errors } from '../core/errors.ts'

/** What the delaying proxy adds in each direction. */
export interface NetworkProfile {
  readonly name: NetworkProfileName
  /** Added one-way delay, ms. */
  readonly oneWayDelayMs: number
  /** Extra delay drawn uniformly from 0 .. jitterMs per chunk, never reordering bytes, ms. */
  readonly jitterMs: number
  /** Link rate per direction, Mbit/s (0: unlimited). */
  readonly bandwidthMbitPerSec: number
}

/** Names accepted by --network. */
export const NETWORK_PROFILE_NAMES = ['loopback', 'lan', 'wan', 'mobile'] as const

/** One of the built-in network profiles. */
export type NetworkProfileName = typeof NETWORK_PROFILE_NAMES[number]

/**
 * The built-in profiles. loopback adds nothing (no proxy); the others put a userspace TCP proxy
 * between clients and server. It delays and rate-limits bytes; it cannot drop packets, so it never
 * causes TCP retransmission, and it adds no delay to the TCP handshake itself.
 */
export const NETWORK_PROFILES: Readonly<Record<NetworkProfileName, NetworkProfile>> = {
  loopback: { name: 'loopback', oneWayDelayMs: 0, jitterMs: 0, bandwidthMbitPerSec: 0 },
  lan: { name: 'lan', oneWayDelayMs: 1, jitterMs: 0.2, bandwidthMbitPerSec: 1000 },
  wan: { name: 'wan', oneWayDelayMs: 40, jitterMs: 5, bandwidthMbitPerSec: 50 },
  mobile: { name: 'mobile', oneWayDelayMs: 80, jitterMs: 20, bandwidthMbitPerSec: 10 },
}

/** The profile of a --network value; throws a coded error listing the allowed names. */
export function networkProfileOf (name: string): NetworkProfile {
  if (!(NETWORK_PROFILE_NAMES as readonly string[]).includes(name)) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--network', JSON.stringify(name), NETWORK_PROFILE_NAMES.join(', '))
  }
  return NETWORK_PROFILES[name as NetworkProfileName]
}
