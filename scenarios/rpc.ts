import type { ScenarioOptions } from '../core/config.ts'

/**
 * rpc: request/response started by the client, as in a form submit, a search-as-you-type lookup or a
 * game action that needs an answer. ws sends the request as a frame and gets the reply as a frame on
 * the same socket; the HTTP transports POST the request and receive the reply on their downstream
 * channel. 20 clients × 10 requests/s, 256 B requests, 1 KiB answers: round-trip latency and bytes.
 */
export const rpc: ScenarioOptions = {
  name: 'rpc',
  description: 'Client request, server answer to the sender (round-trip latency and bytes).',
  slo: { p99Ms: 300, why: 'a request answered within 300 ms round trip keeps an interactive action feeling immediate' },
  pattern: 'request-response',
  clients: 20,
  ratePerSec: 10,
  payloadBytes: 1024,
  upstreamPayloadBytes: 256,
  durationMs: 5_000,
  warmupMs: 1_000,
}
