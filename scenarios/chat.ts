import type { ScenarioOptions } from '../core/config.ts'

/**
 * chat: a room where every member talks and the server relays each line to everyone, as in a team chat
 * or a multiplayer lobby. Exercises the upstream path (ws frame vs HTTP POST) and fan-out: 20 members
 * each sending 2 lines/s gives 40 lines/s in and 800 deliveries/s out. Latency runs from the moment the
 * sender scheduled the line to its arrival at each member.
 */
export const chat: ScenarioOptions = {
  name: 'chat',
  description: 'Every client sends lines; the server broadcasts each line to all (upstream + fan-out).',
  slo: { p99Ms: 200, why: 'a line that shows up within 200 ms reads as instant in conversation; typing indicators tolerate no more' },
  pattern: 'chat',
  clients: 20,
  ratePerSec: 2,
  payloadBytes: 128,
  upstreamPayloadBytes: 128,
  durationMs: 5_000,
  warmupMs: 1_000,
}
