import type { ScenarioOptions } from '../core/config.ts'

/**
 * chat-200: the chat at the size of a busy room: 200 members, each sending a line every 20 s on average
 * (0.05 lines/s), so 10 lines/s in and 2,000 deliveries/s out. Upstream (a ws frame or an HTTP POST
 * per line) and fan-out to every member at once; latency runs from the sender's schedule to each
 * member's arrival. (`chat`, 20 members × 2 lines/s, stays the regression gate's workload, where its
 * power was measured.)
 */
export const chat200: ScenarioOptions = {
  name: 'chat-200',
  description: 'A busy room of 200 members, a line every 20 s from each, relayed to all (10 lines/s in, 2,000 deliveries/s out).',
  slo: { p99Ms: 200, why: 'a line that shows up within 200 ms reads as instant in conversation; typing indicators tolerate no more' },
  pattern: 'chat',
  clients: 200,
  ratePerSec: 0.05,
  payloadBytes: 128,
  upstreamPayloadBytes: 128,
  durationMs: 3_000,
  warmupMs: 2_000,
  connectConcurrency: 200,
}
