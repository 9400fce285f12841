import type { ClientTransport } from '../core/adapters.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { longPollClient } from './long-poll.ts'
import { pollClient } from './poll.ts'
import { sseClient } from './sse.ts'
import { wsClient } from './ws.ts'

/** Every client adapter by transport name; a transport without a client fails to compile. */
export const clientTransports = {
  ws: wsClient,
  sse: sseClient,
  'long-poll': longPollClient,
  poll: pollClient,
} satisfies Record<TransportName, ClientTransport>
