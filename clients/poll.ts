import type { ClientTransport } from '../core/adapters.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { connectPolling } from './poll-loop.ts'

/** Short-polling client: a GET answered at once, on a fixed-rate schedule of transports.poll.intervalMs. */
export const pollClient: ClientTransport = {
  name: 'poll',
  connect: (options) => connectPolling(options, { path: PATHS.poll, intervalMs: options.config.transports.poll.intervalMs, isHeld: false }),
}
