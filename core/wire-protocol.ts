/** The four transports feedbench compares, in the order the report lists them. */
export const TRANSPORT_NAMES = ['ws', 'sse', 'long-poll', 'poll'] as const

/** One of the four transport names. */
export type TransportName = typeof TRANSPORT_NAMES[number]

/** True when `name` is a transport feedbench knows. */
export function isTransportName (name: string): name is TransportName {
  return (TRANSPORT_NAMES as readonly string[]).includes(name)
}

/**
 * How the server says it cut a slow consumer (its send buffer passed sendBufferCapBytes): the ws close
 * code (4000–4999 is for applications, RFC 6455 §7.4.2) and the reason text, which SSE and the polls
 * carry in their error answer. Clients tell a cut from other closes by it.
 */
export const SLOW_CONSUMER_CUT = { wsCloseCode: 4000, reason: 'slow consumer' } as const

/** True when a connection's end is the server's slow-consumer cut. */
export function isSlowConsumerCut (info: { readonly code?: number, readonly reason: string }): boolean {
  return info.code === SLOW_CONSUMER_CUT.wsCloseCode || info.reason.includes(SLOW_CONSUMER_CUT.reason)
}

/**
 * HTTP paths of the wire protocol, shared by servers and clients.
 * ws:        GET  /ws?client=ID&stream=S[&after=SEQ]         upgrade; downstream text frames, upstream text frames
 * sse:       GET  /sse?client=ID&stream=S  (Last-Event-ID)   text/event-stream, `id:` = seq
 * long-poll: GET  /long-poll?client=ID&stream=S&cursor=SEQ    held until data or hold timeout (`wait=MS` shortens the hold; 0 answers at once)
 * poll:      GET  /poll?client=ID&stream=S&cursor=SEQ         answered at once
 * Both polls take `max=N` (messages per answer, clamped to ringSize; x-feedbench-max-messages states the effective value).
 * Without a resume point (after / Last-Event-ID / cursor) a client starts from now; a poll without a cursor is
 * answered at once with the cursor to continue from. With one, `epoch=E` names the epoch it belongs to: a
 * different epoch (the server restarted) replays the ring from its start.
 * upstream for sse / long-poll / poll: POST /upstream with an UpstreamMessage JSON body
 * control (runner and load generator only): /_feedbench/run, /_feedbench/stop, /_feedbench/info, /_feedbench/stats, /_feedbench/clock (the server's
 * monotonic clock, µs: remote generators and browser pages align their clocks to it)
 * browser load generator: GET /_feedbench/page (an empty same-origin page its clients run in)
 */
export const PATHS = {
  ws: '/ws',
  sse: '/sse',
  longPoll: '/long-poll',
  poll: '/poll',
  upstream: '/upstream',
  controlRun: '/_feedbench/run',
  controlStop: '/_feedbench/stop',
  controlInfo: '/_feedbench/info',
  controlStats: '/_feedbench/stats',
  controlClock: '/_feedbench/clock',
  browserPage: '/_feedbench/page',
} as const

/** The path and query of a downstream request: client, stream and any extra parameters that are set. */
export function downstreamPath (path: string, clientId: string, stream: string, extra: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams({ client: clientId, stream })
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) query.set(key, String(value))
  return `${path}?${query.toString()}`
}
