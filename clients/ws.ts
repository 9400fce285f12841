import type { connect as netConnect } from 'node:net'
import WebSocket from 'ws'
import type { ClientConnectOptions, ClientConnection, ClientTransport } from '../core/adapters.ts'
import { maxMessageBytes } from '../core/config.ts'
import { nowUs } from '../core/clock.ts'
import { isGap, parseDownstream } from '../core/envelope.ts'
import { errors } from '../core/errors.ts'
import { downstreamPath, PATHS } from '../core/wire-protocol.ts'
import { openCountedSocket } from './counted-socket.ts'

const CLOSE_GRACE_MS = 1_000

/** WebSocket client: one socket, envelopes as text frames down, upstream messages as text frames up. */
export const wsClient: ClientTransport = {
  name: 'ws',
  connect,
}

async function connect (options: ClientConnectOptions): Promise<ClientConnection> {
  const { baseUrl, clientId, stream, afterSeq, afterEpoch, config, sink, bytes } = options
  const path = downstreamPath(PATHS.ws, clientId, stream, { after: afterSeq, epoch: afterEpoch })
  const isTls = baseUrl.startsWith('https:')
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, {
    // the ws client offers permessage-deflate unless told otherwise; the scenario decides for both sides
    perMessageDeflate: config.transports.ws.perMessageDeflate,
    maxPayload: maxMessageBytes(config),
    handshakeTimeout: config.clientTimeoutMs,
    // the TCP socket is counted from its first byte, under TLS when wss (ws is HTTP/1.1 whatever --http says)
    // ws calls it with the request options: host (brackets stripped) and port
    createConnection: ((target: { host?: string, port?: string | number }) => openCountedSocket({
      hostname: target.host ?? '127.0.0.1',
      port: Number(target.port ?? (isTls ? 443 : 80)),
      caPem: isTls ? options.caPem : undefined,
      alpn: ['http/1.1'],
    }, bytes)) as unknown as typeof netConnect,
  })
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
