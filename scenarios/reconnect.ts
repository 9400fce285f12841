import type { ScenarioDefinition } from './catalog.ts'

/**
 * reconnect: connections that keep dropping, as for a delivery-tracking or ride-hailing app on phones
 * that switch cells and Wi-Fi, or clients behind a proxy tier that recycles connections during a rolling
 * deploy. The server destroys the TCP socket of 10% of the open client connections every second (each
 * client drops about every 10 s; 20 clients: about 2 drops/s) while it broadcasts 50 msg/s of 256 B.
 * Clients resume the way their transport does (ws `after=SEQ`, SSE `Last-Event-ID`, the poll cursor) after
 * a 50–250 ms jittered backoff, and the server replays from its ring (10,000 messages, far more than a
 * backoff's worth). Reported per transport: time to recover, messages replayed, duplicated and lost.
 * A short poll has no standing connection: a drop between polls only costs its next poll a new socket.
 * A server restart (new epoch) is not simulated here; the conformance suite covers epoch resets.
 */
export const reconnect: ScenarioDefinition = {
  name: 'reconnect',
  description: 'The server drops 10% of the connections every second: recovery time, replayed, duplicated and lost messages.',
  pattern: 'broadcast',
  clients: 20,
  ratePerSec: 50,
  payloadBytes: 256,
  durationMs: 5_000,
  warmupMs: 1_000,
  faults: { dropSharePerSec: 0.1 },
}
