import type { ScenarioDefinition } from './definition.ts'

/**
 * slow-consumer: one client stops reading while the others keep up, as when a trading blotter or an
 * operations console pushes snapshots to many screens and one browser tab is frozen in the background,
 * or a laptop sleeps with its TCP connection still open. 10 clients get 32 KiB snapshots at 50/s
 * (1.6 MB/s each); when the warm-up ends client c0 stops reading its socket. Its TCP window closes, the
 * kernel buffers fill, then the server's send buffer passes the 1 MiB cap (README.md, "Reliability":
 * the send-buffer cap) and the server cuts it (ws close 4000, SSE `event: error`) and counts it. What is checked:
 * the cut happens and is counted on both sides, the other clients lose nothing and their p99 stays where
 * it was, and the server's memory stays bounded by the cap. The cut client's own missing messages are
 * explained by the cut, not counted as unexplained loss.
 */
export const slowConsumer: ScenarioDefinition = {
  name: 'slow-consumer',
  description: 'One of 10 clients stops reading 32 KiB snapshots at 50/s: it is cut at the 1 MiB cap, the others are unaffected.',
  slo: { p99Ms: 200, why: 'the clients that keep reading must stay as fast as in a normal broadcast: 200 ms' },
  pattern: 'broadcast',
  clients: 10,
  ratePerSec: 50,
  payloadBytes: 32 * 1024,
  durationMs: 5_000,
  warmupMs: 1_000,
  ringSize: 1_000,
  sendBufferCapBytes: 1024 * 1024,
  faults: { slowClients: 1 },
  notApplicable: {
    'long-poll': 'a polling client that stops reading stops asking: the server holds no per-client send buffer (the ring bounds memory), so there is nothing to cut',
    poll: 'a polling client that stops reading stops asking: the server holds no per-client send buffer (the ring bounds memory), so there is nothing to cut',
  },
}
