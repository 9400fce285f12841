import type { ClientConnectOptions, ClientConnection } from '../core/adapters.ts'
import { parsePollBatch } from '../core/envelope.ts'
import { sleep } from '../core/clock.ts'
import { pollPhaseMs } from '../core/random.ts'
import { errors } from '../core/errors.ts'
import { downstreamPath } from '../core/wire-protocol.ts'
import { createHttpClient, getText, httpConnection } from './http-pool.ts'

/** How a polling transport paces its requests; the only thing long-poll and poll differ in besides the route. */
export interface PollPacing {
  readonly path: string
  /** Fixed-rate schedule (request k at start + k * intervalMs); 0 polls again as soon as an answer arrives. */
  readonly intervalMs: number
  /** The server holds the request: the first request of a resumed connection asks it not to (`wait=0`). */
  readonly isHeld: boolean
}

/**
 * Opens a polling connection: resolves once the first poll is answered (a poll without a cursor, or with
 * `wait=0`, is answered at once), then keeps polling from the cursor each answer returns. Any HTTP or
 * network error ends the connection through sink.closed; the session resumes from its last seq.
 */
export async function connectPolling (options: ClientConnectOptions, pacing: PollPacing): Promise<ClientConnection> {
  const { clientId, stream, afterSeq, afterEpoch, sink, bytes } = options
  const client = createHttpClient(options)
  const abort = new AbortController()
  let cursor = afterSeq
  let epoch = afterEpoch

  // built once: a poll is sent many times a second, and only cursor, epoch and wait change
  const prefix = downstreamPath(pacing.path, clientId, stream, {})

  async function pollOnce (isFirst: boolean): Promise<void> {
    const wait = isFirst && pacing.isHeld && cursor !== undefined ? 0 : undefined
    // no per-request AbortSignal: close() destroys the client, which fails the request in flight
    const { statusCode, text, recvUs } = await getText(client, prefix + (cursor === undefined ? '' : `&cursor=${cursor}`) +
      (epoch === undefined ? '' : `&epoch=${encodeURIComponent(epoch)}`) + (wait === undefined ? '' : `&wait=${wait}`))
    if (statusCode !== 200) {
      const err = new errors.BENCH_ERR_PROTOCOL(pacing.path, `GET answered ${statusCode}: ${text.slice(0, 200)}`)
      throw Object.assign(err, { httpStatus: statusCode })
    }
    const batch = parsePollBatch(text)
    if (batch.gap !== undefined) sink.gap(batch.gap)
    for (const env of batch.messages) sink.message(env, recvUs)
    cursor = batch.cursor
    epoch = batch.epoch
  }

  // fixed-rate polls after the first go at startMs + phase + k × interval
  const startMs = performance.now() + pollPhaseMs(clientId, pacing.intervalMs)
  try {
    await pollOnce(true)
  } catch (err) {
    client.destroy()
    throw err
  }
  bytes.markSetupDone()

  return httpConnection(client, abort, sink, async (gate) => {
    for (let k = 1; !abort.signal.aborted; k++) {
      // paused: a polling client that stops reading stops asking
      if (gate.isPaused) await gate.passage()
      if (pacing.intervalMs > 0) {
        const elapsedMs = performance.now() - startMs
        // fixed rate: a slow answer makes the next poll go at once, never a burst of catch-up polls
        k = Math.max(k, Math.floor(elapsedMs / pacing.intervalMs))
        await sleep(startMs + k * pacing.intervalMs - performance.now(), abort.signal)
        if (abort.signal.aborted) break
      }
      await pollOnce(false)
    }
    return { reason: 'polling stopped' }
  })
}
