import type { ScenarioDefinition } from './definition.ts'

/**
 * burst: quiet, then many messages at once, as in a live-score or trading screen when a goal or a
 * market open triggers a flurry of updates, or a CI dashboard when a pipeline finishes and every job
 * reports together. 20 clients get bursts of 100 messages of 256 B every 0.5 s (200 msg/s on average,
 * burstSize 100). Streaming transports (ws, SSE) write the whole burst as one corked batch of frames;
 * long-polling answers the held poll with the whole burst in one JSON batch; short polling makes the
 * burst wait for the next poll (100 ms). The p99 is the last message of a burst: how batching and
 * streaming differ when many messages are due at the same instant.
 */
export const burst: ScenarioDefinition = {
  name: 'burst',
  description: 'Quiet, then 100 messages at once every 0.5 s to 20 clients (batching vs streaming).',
  slo: { p99Ms: 200, why: 'a burst of updates (a page of results, a reconnect backlog) should land within 200 ms of being due' },
  pattern: 'broadcast',
  clients: 20,
  ratePerSec: 200,
  burstSize: 100,
  payloadBytes: 256,
  durationMs: 5_000,
  warmupMs: 1_000,
}
