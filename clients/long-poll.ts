import type { ClientTransport } from '../core/adapters.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { connectPolling } from './poll-loop.ts'

/** Long-polling client: the server holds each GET until data or its hold time; the next GET goes out at once. */
export const longPollClient: ClientTransport = {
  name: 'long-poll',
  connect: (options) => connectPolling(options, { path: PATHS.longPoll, intervalMs: 0, isHeld: true }),
}
