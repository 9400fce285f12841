import type { ScenarioOptions } from '../core/config.ts'

/**
 * ticker: high-frequency small broadcasts, as in a market-data feed or game state at 20–60 Hz. Every
 * client receives every message of one stream; what matters is delivery latency under steady load and
 * the per-message wire overhead, since payloads are small (128 B) and frequent (200 msg/s to 20 clients
 * = 4,000 deliveries/s).
 */
export const ticker: ScenarioOptions = {
  name: 'ticker',
  description: 'Server → client broadcast of small, frequent updates (market data, game state).',
  slo: { p99Ms: 50, why: 'a price or game-state tick older than a few frames (about 50 ms at 20–60 Hz) is visibly stale' },
  pattern: 'broadcast',
  clients: 20,
  ratePerSec: 200,
  payloadBytes: 128,
  durationMs: 5_000,
  warmupMs: 1_000,
}
