import type { ScenarioDefinition } from './definition.ts'

/**
 * browser-tabs: one user with the same feed open in 8 tabs of one browser (--clients-in chromium). Over
 * HTTP/1.1 a browser keeps at most 6 connections per origin, and an SSE stream or a held long-poll holds
 * one for as long as it lasts: tabs 7 and 8 receive nothing until another tab lets go. Over HTTP/2 every
 * stream shares one connection and all 8 receive. The result lists, per tab, when its first message
 * arrived and how many it received. With Node clients it is 8 ordinary clients.
 */
export const browserTabs: ScenarioDefinition = {
  name: 'browser-tabs',
  description: 'One user, 8 browser tabs of one origin, each holding a stream (the 6-connection limit of HTTP/1.1).',
  pattern: 'broadcast',
  clients: 8,
  ratePerSec: 20,
  payloadBytes: 128,
  durationMs: 3_000,
  warmupMs: 500,
  drainMs: 3_000,
  browser: { clientsPerPage: 1, sharedContext: true },
  notApplicable: {
    ws: 'WebSocket connections are not held to the 6-per-origin HTTP/1.1 limit (Chromium allows 255 per profile)',
    poll: 'a short poll holds its connection only for one request, so 8 tabs take turns and all receive',
  },
}
