import type { ScenarioDefinition } from './definition.ts'

/** The feed both reconnect scenarios run: 20 clients, 50 msg/s of 256 B, 5 s measured after 1 s warm-up. */
const FEED = {
  pattern: 'broadcast',
  clients: 20,
  ratePerSec: 50,
  payloadBytes: 256,
  durationMs: 5_000,
  warmupMs: 1_000,
} as const

/**
 * reconnect: connections that keep dropping, as for a delivery-tracking or ride-hailing app on phones
 * that switch cells and Wi-Fi, or clients behind a proxy tier that recycles connections during a rolling
 * deploy. The server destroys the TCP socket of 10% of the open client connections every second (each
 * client drops about every 10 s; 20 clients: about 2 drops/s) while it broadcasts 50 msg/s of 256 B.
 * Clients resume the way their transport does (ws `after=SEQ`, SSE `Last-Event-ID`, the poll cursor) after
 * a 50–250 ms jittered backoff, and the server replays from its ring (10,000 messages, far more than a
 * backoff's worth). Reported per transport: time to recover, messages replayed, duplicated and lost.
 * A short poll has no standing connection: a drop between polls only costs its next poll a new socket.
 * A server restart (new epoch) is reconnect-restart, below.
 */
export const reconnect: ScenarioDefinition = {
  name: 'reconnect',
  description: 'The server drops 10% of the connections every second: recovery time, replayed, duplicated and lost messages.',
  slo: { p99Ms: 1000, why: 'while connections drop and resume, delivery within 1 s of being due keeps the feed usable' },
  ...FEED,
  faults: { dropSharePerSec: 0.1 },
}

/**
 * reconnect-restart: the same feed, but instead of dropping connections the server process crashes once,
 * as in a deploy that kills the old instance or an OOM kill: 3 s into the run (2 s into the measured window)
 * the runner SIGKILLs it and starts a new one on the same port with the same config, which publishes for
 * the rest of the run under a new epoch. ws clients see 1006, SSE an error, the pollings a connection error;
 * all resume on their own, and the new server replays its ring from seq 1 for the old epoch's resume points.
 * Every client should count one reset (epoch change). Delivery is reconciled against the new epoch's ranges
 * only: what the old server published but never delivered died with it (the result's restart note says so).
 * Only with servers the runner starts (refused with --target).
 */
export const reconnectRestart: ScenarioDefinition = {
  name: 'reconnect-restart',
  description: 'The server process is killed mid-run and replaced on the same port: every client resumes into the new epoch (one reset each).',
  slo: { p99Ms: 1000, why: 'across a server restart, delivery within 1 s of being due keeps the feed usable' },
  ...FEED,
  faults: { restartAtMs: 3_000 },
}
