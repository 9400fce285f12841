import type { Socket } from 'node:net'
import type { WireBytes } from '../core/measures.ts'
import type { ByteCounter } from '../core/adapters.ts'

interface ByteTotals {
  read: number
  written: number
}

/**
 * Counts one client's wire bytes at its sockets: a closed socket's final bytesRead / bytesWritten are
 * folded in at 'close', live sockets are read on demand. Everything up to the first markSetupDone is
 * setup (handshake, first request and response); every later byte, reconnects and polling's repeated
 * request headers included, is steady-state cost.
 */
export class WireByteCounter implements ByteCounter {
  private readonly live = new Set<Socket>()
  private readonly closed: ByteTotals = { read: 0, written: 0 }
  private setup: ByteTotals | undefined

  /** Counts this socket from its first byte; tracking the same socket twice counts it once. */
  track (socket: Socket): void {
    if (this.live.has(socket)) return
    this.live.add(socket)
    socket.once('close', () => {
      this.closed.read += socket.bytesRead
      this.closed.written += socket.bytesWritten
      this.live.delete(socket)
    })
  }

  /** Ends the setup phase on the first call; later calls (reconnects) change nothing. */
  markSetupDone (): void {
    this.setup ??= this.totals()
  }

  /** Bytes so far, split into setup and steady state (all setup while setup is not done). */
  snapshot (): WireBytes {
    const total = this.totals()
    const setup = this.setup ?? total
    return {
      setupRead: setup.read,
      setupWritten: setup.written,
      steadyRead: total.read - setup.read,
      steadyWritten: total.written - setup.written,
    }
  }

  private totals (): ByteTotals {
    let read = this.closed.read
    let written = this.closed.written
    for (const socket of this.live) {
      read += socket.bytesRead
      written += socket.bytesWritten
    }
    return { read, written }
  }
}
