import type { ServerTransport } from '../core/adapters.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { longPollServer } from './long-poll.ts'
import { pollServer } from './poll.ts'
import { sseServer } from './sse.ts'
import { wsServer } from './ws.ts'

/** Every server adapter by transport name: a transport without a server side fails to compile. */
export const serverTransports = {
  ws: wsServer,
  sse: sseServer,
  'long-poll': longPollServer,
  poll: pollServer,
} satisfies Record<TransportName, ServerTransport>
