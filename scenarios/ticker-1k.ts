import type { ScenarioOptions } from '../core/config.ts'

/**
 * ticker-1k: the ticker at the size of a product: a price board or live scoreboard open on 1,000
 * screens, 2 updates/s of 128 B each, every screen receiving every update (2,000 deliveries/s). At this
 * size a connection's own cost (memory, heartbeats, one held poll per screen answered per update) is
 * measured instead of divided among 20 clients, and cost per 10,000 users is the cost of 10 such
 * boards. Short polling asks every 500 ms, once per update interval, a common choice for a board.
 * (`ticker`, 20 clients × 200 msg/s, stays the regression gate's workload, where its power was measured.)
 */
export const ticker1k: ScenarioOptions = {
  name: 'ticker-1k',
  description: 'A price board on 1,000 screens: 2 updates/s of 128 B to every screen (2,000 deliveries/s).',
  slo: { p99Ms: 100, why: 'a quote or score shown within a tenth of a second of the change reads as live on a board updated twice a second' },
  pattern: 'broadcast',
  clients: 1_000,
  ratePerSec: 2,
  payloadBytes: 128,
  durationMs: 3_000,
  // at 1,000 connections the first second still pays for JIT and the first fan-outs' allocations
  warmupMs: 2_000,
  connectConcurrency: 200,
  transports: { poll: { intervalMs: 500 } },
}
