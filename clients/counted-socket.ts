import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import type { ByteCounter } from '../core/adapters.ts'

/** Where and how one client socket connects. */
export interface SocketTarget {
  readonly hostname: string
  readonly port: number
  /** Over TLS: the only certificate trusted (PEM); absent: plain TCP. */
  readonly caPem?: string | undefined
  /** ALPN protocols offered over TLS, preferred first (h2 before http/1.1 for an HTTP/2 client). */
  readonly alpn?: readonly string[] | undefined
}

// one read buffer for every plain-TCP client socket of this process that reads through onRead: reads run
// one at a time on this thread, and each callback is done with the bytes before it returns
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024)

/**
 * Opens one client connection and hands its TCP socket to the byte counter before the first byte: the
 * TLS handshake, record headers and MACs are then counted as the user pays them. A TLSSocket's own
 * bytesRead / bytesWritten count plaintext, so TLS is layered here over a net.Socket we hold, and that
 * net.Socket is what is counted. Returns the socket the protocol speaks over (TLS or TCP), connecting.
 * onRead, when given, receives every chunk read (instead of 'data' listeners); see sharedReadBuffer.
 */
export function openCountedSocket (target: SocketTarget, bytes: ByteCounter, onRead?: (chunk: Buffer) => void): Socket | TLSSocket {
  const host = target.hostname.replace(/^\[|\]$/g, '')
  const isPlain = target.caPem === undefined
  // with onRead, a plain socket reads into the shared buffer and hands the bytes straight to onRead (no
  // Buffer per read, no stream 'data' event): the caller must copy whatever it keeps past the call
  const tcp = isPlain && onRead !== undefined
    ? netConnect({ host, port: target.port, onread: { buffer: sharedReadBuffer, callback: (n) => { onRead(sharedReadBuffer.subarray(0, n)); return true } } })
    : netConnect({ host, port: target.port })
  tcp.setNoDelay(true)
  bytes.track(tcp)
  if (isPlain) return tcp
  const tls = tlsConnect({
    socket: tcp,
    ca: target.caPem,
    // the certificate names the IP; SNI may not carry an IP address (RFC 6066 §3), checkServerIdentity uses host
    host,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(target.alpn === undefined ? {} : { ALPNProtocols: [...target.alpn] }),
  })
  if (onRead !== undefined) tls.on('data', onRead)
  return tls
}

/** Resolves once the socket can carry the protocol (TCP connected, or TLS handshake done); rejects on error or timeout. */
export function whenConnected (socket: Socket | TLSSocket, isTls: boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ready = isTls ? 'secureConnect' : 'connect'
    const timer = setTimeout(() => {
      fail(new Error(`connect timed out after ${timeoutMs} ms`))
      socket.destroy()
    }, timeoutMs)
    function done (): void {
      clearTimeout(timer)
      socket.off('error', fail)
      resolve()
    }
    function fail (err: Error): void {
      clearTimeout(timer)
      socket.off(ready, done)
      reject(err)
    }
    socket.once(ready, done)
    socket.once('error', fail)
  })
}
