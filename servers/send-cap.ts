import type { ServerContext } from '../core/adapters.ts'

/** How long a cut connection may take to flush its goodbye before its socket is destroyed, ms. */
export const SLOW_CONSUMER_GRACE_MS = 1_000

/** What an adapter tells the slow-consumer policy about one connection. */
export interface SlowConsumerTarget {
  /** Bytes written but not yet accepted by the kernel (ws.bufferedAmount, res.writableLength). */
  bufferedBytes (): number
  /** Says goodbye in the transport's own words (ws close 4000, SSE error event) and stops delivery. */
  cut (): void
  /** Destroys the socket when the goodbye cannot be flushed in time. */
  destroy (): void
}

/**
 * The slow-consumer policy, identical for every transport: after a write, a connection whose send
 * buffer exceeds config.sendBufferCapBytes is cut and counted. Returns true when it was cut.
 */
export function enforceSendBufferCap (ctx: ServerContext, target: SlowConsumerTarget): boolean {
  if (target.bufferedBytes() <= ctx.config.sendBufferCapBytes) return false
  ctx.countSlowConsumerCut()
  target.cut()
  // a frozen reader never drains the buffer, so the goodbye may never leave: bound the wait
  setTimeout(() => { target.destroy() }, SLOW_CONSUMER_GRACE_MS).unref()
  return true
}
