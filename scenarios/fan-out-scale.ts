import type { ScenarioDefinition } from './definition.ts'

/**
 * fan-out-scale: how many connected clients one server process holds, as for a live page during a big
 * event (election results, a sports final, a status page during an incident) where every viewer keeps a
 * connection open and rare small updates go to all. A ramp (runner/ramp.ts) of 5 steps up to 15,000
 * clients (1,000, 2,500, 5,000, 10,000, 15,000; --quick: up to 1,000), each step a fresh server and
 * load generator: connect rate, broadcast latency at 1 msg/s of 128 B, server RSS and memory per
 * connection. The ramp ends at the first step that fails (connect errors, a p99 of 500 ms or more, an
 * INVALID round, or more descriptors than `ulimit -n`), and the report gives "max clients at
 * p99 < 500 ms" per transport. The goal on 2 cores is 15,000 ws and 10,000 SSE / long-poll clients.
 */
export const fanOutScale: ScenarioDefinition = {
  name: 'fan-out-scale',
  description: 'Ramp to 15,000 clients of a 1 msg/s broadcast: connect rate, p99, memory per connection, max clients at p99 < 500 ms.',
  slo: { p99Ms: 500, why: 'a live page for a big event tolerates half a second; the same bar the ramp uses' },
  pattern: 'broadcast',
  clients: 15_000,
  ratePerSec: 1,
  payloadBytes: 128,
  durationMs: 3_000,
  warmupMs: 1_000,
  drainMs: 5_000,
  connectConcurrency: 200,
  ramp: { steps: 5, p99LimitMs: 500 },
  notApplicable: {
    poll: 'short polling holds no connection to fan out to: N clients polling every 100 ms are N × 10 requests/s whatever the feed does (its idle cost is in notifications)',
  },
}
