import WebSocket from 'ws'
import type { ClientConnectOptions, ClientConnection, ClientTransport } from '../core/adapters.ts'
import { maxMessageBytes } from '../core/config.ts'
import { nowUs } from '../core/clock.ts'
import { isGap, parseDownstream } from '../core/envelope.ts'
import { errors } from '../core/errors.ts'
import { downstreamPath, PATHS } from '../core/wire-protocol.ts'

const CLOSE_GRACE_MS = 1_000

/** WebSocket client: one socket, envelopes as text frames down, upstream messages as text frames up. */
export const wsClient: ClientTransport = {
  name: 'ws',
  connect,
}

async function connect (options: ClientConnectOptions): Promise<ClientConnection> {
  const { baseUrl, clientId, stream, afterSeq, afterEpoch, config, sink, bytes } = options
  const path = downstreamPath(PATHS.ws, clientId, stream, { after: afterSeq, epoch: afterEpoch })
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, {
    // the ws client offers permessage-deflate unless told otherwise; the scenario decides for both sides
    perMessageDeflate: config.transports.ws.perMessageDeflate,
    maxPayload: maxMessageBytes(config),
    handshakeTimeout: config.clientTimeoutMs,
  })
  socket.on('upgrade', (response) => bytes.track(response.socket))
  let isOpen = false
  let isClosing = false
  let closeReason: string | undefined
  // attached before 'open': frames that arrive with the handshake response are emitted in the same tick
  socket.on('message', (data, isBinary) => {
    const recvUs = nowUs()
    try {
      if (isBinary) throw new Error('binary frame received; the feed sends text frames')
      const item = parseDownstream((data as Buffer).toString('utf8'))
      if (isGap(item)) sink.gap(item)
      else sink.message(item, recvUs)
    } catch (err) {
      closeReason = `protocol error: ${(err as Error).message}`
      socket.terminate()
    }
  })
  socket.on('error', (err) => { closeReason ??= err.message })
  const closed = new Promise<void>((resolve) => {
    socket.once('close', (code, reason) => {
      resolve()
      if (isOpen && !isClosing) sink.closed({ code, reason: closeReason ?? (reason.toString() || 'connection closed') })
    })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', reject)
      resolve()
    })
    socket.once('error', reject)
  })
  isOpen = true
  bytes.markSetupDone()
  if (config.transports.ws.perMessageDeflate && !socket.extensions.includes('permessage-deflate')) {
    isClosing = true
    socket.terminate()
    throw new errors.BENCH_ERR_PROTOCOL('ws', 'permessage-deflate is on in the scenario but the server did not negotiate it')
  }

  return {
    send (message) {
      return new Promise((resolve, reject) => {
        socket.send(JSON.stringify(message), (err) => (err === undefined || err === null ? resolve() : reject(err)))
      })
    },
    async close () {
      isClosing = true
      if (socket.readyState === WebSocket.CLOSED) return
      socket.close(1000)
      const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS)
      await closed
      clearTimeout(timer)
    },
    pauseReading: () => { socket.pause() },
    resumeReading: () => { socket.resume() },
  }
}
