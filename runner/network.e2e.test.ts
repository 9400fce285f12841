import { describe, expect, it } from 'vitest'
import { loadScenario } from '../scenarios/catalog.ts'
import { NETWORK_PROFILES, type NetworkProfile } from './network-profiles.ts'
import { runRound } from './round.ts'
import { buildRoundResult } from './round-result.ts'

describe('network profiles through the runner', () => {
  it('ws: a profile adding 20 ms each way adds 40 ms ± 2 ms to the request/response round trip at p50', async () => {
    // the wan profile's shape with a fixed 20 ms each way and nothing else, so the expectation is exact
    const delayed = { ...NETWORK_PROFILES.wan, oneWayDelayMs: 20, jitterMs: 0, bandwidthMbitPerSec: 0 }
    const scenario = loadScenario('rpc', { clients: 4, ratePerSec: 10, durationMs: 2_000, warmupMs: 500 })
    const p50Of = async (network: NetworkProfile): Promise<number> => {
      const r = buildRoundResult(await runRound({ scenario, transport: 'ws', round: 1, order: 1, workers: 1, target: null, network }))
      expect(r.counters.lost).toBe(0)
      expect(r.latency.count).toBeGreaterThanOrEqual(4 * 10 * 2 * 0.9)
      return r.latency.p50Us
    }
    // side by side: the harness's own round trip (timers, loopback, server) is measured without the proxy
    const baseUs = await p50Of(NETWORK_PROFILES.loopback)
    const delayedUs = await p50Of(delayed)
    expect(delayedUs - baseUs).toBeGreaterThanOrEqual(40_000 - 2_000)
    expect(delayedUs - baseUs).toBeLessThanOrEqual(40_000 + 2_000)
  })
})
