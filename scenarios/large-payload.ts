import type { ScenarioOptions } from '../core/config.ts'

/**
 * large-payload: big messages, as in document sync, image thumbnails or a dashboard pushing a full
 * snapshot. 10 clients, 20 messages/s of 64 KiB each (12.8 MB/s delivered in all); run it with
 * `--payload 1048576` for 1 MiB messages. Framing overhead becomes negligible: throughput, server CPU
 * and memory decide. The replay ring is kept small (256 messages) so memory measures connections, not
 * history.
 */
export const largePayload: ScenarioOptions = {
  name: 'large-payload',
  description: '64 KiB messages to 10 clients (throughput, CPU, memory); --payload 1048576 for 1 MiB.',
  slo: { p99Ms: 500, why: 'a 64 KiB+ snapshot (a document, a chart refresh) is fine within half a second' },
  pattern: 'broadcast',
  clients: 10,
  ratePerSec: 20,
  payloadBytes: 64 * 1024,
  durationMs: 5_000,
  warmupMs: 1_000,
  ringSize: 256,
  sendBufferCapBytes: 16 * 1024 * 1024,
}
