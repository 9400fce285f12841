import type { ScenarioOptions } from '../core/config.ts'

/**
 * notifications: many mostly idle clients and rare small pushes, as in a web app's notification bell
 * or a mail client's new-message badge. 1,000 clients each get one 256 B message every 5 s on their own
 * stream. What matters is the idle cost (memory per connection on the server, bytes per client while
 * nothing happens, polling requests answered empty) and delivery latency when something does happen.
 * Short polling uses a 1 s interval here, a common choice for this product.
 */
export const notifications: ScenarioOptions = {
  name: 'notifications',
  description: 'Many mostly idle clients, rare small pushes to each (idle cost, delivery latency).',
  slo: { p99Ms: 2000, why: 'a badge that updates within 2 s of the event is on time; nobody watches it tick' },
  pattern: 'per-client',
  clients: 1_000,
  ratePerSec: 0.2,
  payloadBytes: 256,
  durationMs: 6_000,
  warmupMs: 1_000,
  connectConcurrency: 200,
  transports: { poll: { intervalMs: 1_000 } },
}
