import type { ClientConnectOptions, ClientConnection, ClientSink, ClientTransport } from '../../core/adapters.ts'
import type { GapNotice, UpstreamMessage } from '../../core/envelope.ts'
import type { TransportName } from '../../core/wire-protocol.ts'
import { isGap, parseDownstream, parsePollBatch } from '../../core/envelope.ts'
import { errors } from '../../core/errors.ts'
import { pollPhaseMs } from '../../core/random.ts'
import { downstreamPath, PATHS } from '../../core/wire-protocol.ts'
import { causalRecvUs, nowUs, sleep } from './page-clock.ts'

/**
 * The page's stand-in for clients/registry.ts (the page bundle substitutes it): the same four client
 * transports, framed by the browser's own WebSocket, EventSource and fetch instead of ws and undici.
 * They only frame; the session above them (clients/session.ts, bundled unchanged) counts, reconciles
 * and resumes. A browser exposes no socket, so `bytes` is never fed: browser rounds say bytes are not
 * measured.
 */

/** Reconnections the browser's EventSource made on its own (HTML Standard: "reestablish the connection"); the session does not see them. */
export const browserCounters = { sseReconnects: 0 }

const wsClient: ClientTransport = {
  name: 'ws',
  async connect (options) {
    const { baseUrl, clientId, stream, afterSeq, afterEpoch, config, sink } = options
    const url = baseUrl.replace(/^http/, 'ws') + downstreamPath(PATHS.ws, clientId, stream, { after: afterSeq, epoch: afterEpoch })
    const socket = new WebSocket(url)
    let isOpen = false
    let isClosing = false
    let closeReason: string | undefined
    socket.addEventListener('message', (event: MessageEvent) => {
      const recvUs = nowUs()
      try {
        if (typeof event.data !== 'string') throw new Error('binary frame received; the feed sends text frames')
        deliver(event.data, recvUs, sink)
      } catch (err) {
        closeReason = `protocol error: ${(err as Error).message}`
        socket.close(1000)
      }
    })
    const closed = new Promise<void>((resolve) => {
      socket.addEventListener('close', (event: CloseEvent) => {
        resolve()
        if (isOpen && !isClosing) sink.closed({ code: event.code, reason: closeReason ?? (event.reason === '' ? 'connection closed' : event.reason) })
      })
    })
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true })
      socket.addEventListener('error', () => reject(new Error(`WebSocket to ${PATHS.ws} failed before it opened`)), { once: true })
    })
    isOpen = true
    if (config.transports.ws.perMessageDeflate !== socket.extensions.includes('permessage-deflate')) {
      isClosing = true
      socket.close(1000)
      throw new errors.BENCH_ERR_PROTOCOL('ws', `permessage-deflate is ${config.transports.ws.perMessageDeflate ? 'on' : 'off'} in the scenario but the browser and server negotiated ${JSON.stringify(socket.extensions)}`)
    }
    return {
      async send (message) { socket.send(JSON.stringify(message)) },
      async close () {
        isClosing = true
        if (socket.readyState === WebSocket.CLOSED) return
        socket.close(1000)
        await closed
      },
    }
  },
}

const sseClient: ClientTransport = {
  name: 'sse',
  async connect (options) {
    const { baseUrl, clientId, stream, afterEpoch, sink } = options
    // a new EventSource cannot send Last-Event-ID: a resume made by the session starts from now (losses counted);
    // the browser's own reconnects do send it, and those are the ones a dropped stream gets
    const source = new EventSource(baseUrl + downstreamPath(PATHS.sse, clientId, stream, { epoch: afterEpoch }))
    let isOpen = false
    let isClosing = false
    const onData = (event: MessageEvent<string>): void => { deliver(event.data, nowUs(), sink) }
    source.addEventListener('message', onData)
    source.addEventListener('gap', (event) => { sink.gap(JSON.parse((event as MessageEvent<string>).data) as GapNotice) })
    await new Promise<void>((resolve, reject) => {
      source.addEventListener('open', () => {
        if (isOpen) browserCounters.sseReconnects++
        isOpen = true
        resolve()
      })
      source.addEventListener('error', (event) => {
        // the server's `event: error` (a slow-consumer cut) arrives as a MessageEvent; a network error as a plain Event
        const reason = event instanceof MessageEvent ? `server error event: ${String(event.data)}` : 'event stream failed'
        if (!isOpen) {
          source.close()
          reject(new Error(`EventSource ${PATHS.sse}: ${reason}`))
          return
        }
        if (event instanceof MessageEvent || source.readyState === EventSource.CLOSED) {
          source.close()
          if (!isClosing) sink.closed({ reason })
        }
      })
    })
    return {
      send: (message) => postUpstream(baseUrl, message),
      async close () {
        isClosing = true
        source.close()
      },
    }
  },
}

/** Long-poll and poll: the same loop as clients/poll-loop.ts (cursor, epoch, wait=0 on a resumed first poll, fixed-rate pacing), over fetch. */
function pollingClient (name: TransportName, path: string, intervalMsOf: (options: ClientConnectOptions) => number, isHeld: boolean): ClientTransport {
  return {
    name,
    async connect (options) {
      const { baseUrl, clientId, stream, afterSeq, afterEpoch, sink } = options
      const abort = new AbortController()
      const prefix = baseUrl + downstreamPath(path, clientId, stream, {})
      const intervalMs = intervalMsOf(options)
      let cursor = afterSeq
      let epoch = afterEpoch
      let isClosing = false

      async function pollOnce (isFirst: boolean): Promise<void> {
        const wait = isFirst && isHeld && cursor !== undefined ? 0 : undefined
        const res = await fetch(prefix + (cursor === undefined ? '' : `&cursor=${cursor}`) +
          (epoch === undefined ? '' : `&epoch=${encodeURIComponent(epoch)}`) + (wait === undefined ? '' : `&wait=${wait}`),
        { cache: 'no-store', signal: abort.signal })
        const text = await res.text()
        const recvUs = nowUs()
        if (res.status !== 200) throw new errors.BENCH_ERR_PROTOCOL(path, `GET answered ${res.status}: ${text.slice(0, 200)}`)
        const batch = parsePollBatch(text)
        if (batch.gap !== undefined) sink.gap(batch.gap)
        for (const env of batch.messages) sink.message(env, causalRecvUs(recvUs, env.tSendUs))
        cursor = batch.cursor
        epoch = batch.epoch
      }

      // fixed-rate polls after the first go at startMs + phase + k × interval
      const startMs = performance.now() + pollPhaseMs(clientId, intervalMs)
      await pollOnce(true)
      const loop = (async () => {
        for (let k = 1; !abort.signal.aborted; k++) {
          if (intervalMs > 0) {
            // fixed rate: a slow answer makes the next poll go at once, never a burst of catch-up polls
            k = Math.max(k, Math.floor((performance.now() - startMs) / intervalMs))
            await sleep(startMs + k * intervalMs - performance.now(), abort.signal)
            if (abort.signal.aborted) break
          }
          await pollOnce(false)
        }
      })()
      loop.catch((err: unknown) => {
        if (!isClosing) sink.closed({ reason: (err as Error).message })
      })
      return {
        send: (message) => postUpstream(baseUrl, message),
        async close () {
          isClosing = true
          abort.abort()
          await loop.catch(() => {})
        },
      } satisfies ClientConnection
    },
  }
}

function deliver (text: string, recvUs: number, sink: ClientSink): void {
  const item = parseDownstream(text)
  if (isGap(item)) sink.gap(item)
  else sink.message(item, causalRecvUs(recvUs, item.tSendUs))
}

async function postUpstream (baseUrl: string, message: UpstreamMessage): Promise<void> {
  const res = await fetch(baseUrl + PATHS.upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) })
  await res.arrayBuffer()
  if (res.status < 200 || res.status > 299) throw new errors.BENCH_ERR_PROTOCOL(PATHS.upstream, `POST answered ${res.status}`)
}

/** The browser client transports, by name (the page's clients/registry.ts). */
export const clientTransports = {
  ws: wsClient,
  sse: sseClient,
  'long-poll': pollingClient('long-poll', PATHS.longPoll, () => 0, true),
  poll: pollingClient('poll', PATHS.poll, (o) => o.config.transports.poll.intervalMs, false),
} satisfies Record<TransportName, ClientTransport>
