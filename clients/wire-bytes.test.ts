import { createServer, connect, type Server, type Socket } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { sumWireBytes } from '../core/measures.ts'
import { WireByteCounter } from './wire-bytes.ts'

/** A real TCP server on 127.0.0.1 that answers every chunk with `replyBytes` bytes and counts what it got. */
async function startServer (replyBytes: number): Promise<{ server: Server, port: number, received: () => number }> {
  let received = 0
  const server = createServer((socket) => {
    socket.on('data', (chunk) => {
      received += chunk.length
      socket.write(Buffer.alloc(replyBytes, 0x61))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { server, port: address.port, received: () => received }
}

async function exchange (socket: Socket, bytes: number, replyBytes: number): Promise<void> {
  let got = 0
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      got += chunk.length
      if (got >= replyBytes) {
        socket.off('data', onData)
        resolve()
      }
    }
    socket.on('data', onData)
  })
  socket.write(Buffer.alloc(bytes, 0x62))
  await done
}

let server: Server | undefined
afterEach(() => { server?.close() })

describe('WireByteCounter', () => {
  it('counts exactly the bytes sent and received, split at setup', async () => {
    const s = await startServer(300)
    server = s.server
    const counter = new WireByteCounter()
    const socket = connect(s.port, '127.0.0.1')
    await once(socket, 'connect')
    counter.track(socket)
    counter.track(socket)
    await exchange(socket, 100, 300)
    counter.markSetupDone()
    await exchange(socket, 40, 300)
    await exchange(socket, 60, 300)
    counter.markSetupDone()
    expect(counter.snapshot()).toEqual({ setupRead: 300, setupWritten: 100, steadyRead: 600, steadyWritten: 100 })
    expect(s.received()).toBe(200)
  })

  it('keeps the bytes of closed sockets and adds live ones', async () => {
    const s = await startServer(10)
    server = s.server
    const counter = new WireByteCounter()
    const first = connect(s.port, '127.0.0.1')
    await once(first, 'connect')
    counter.track(first)
    await exchange(first, 5, 10)
    counter.markSetupDone()
    first.destroy()
    await once(first, 'close')
    const second = connect(s.port, '127.0.0.1')
    await once(second, 'connect')
    counter.track(second)
    await exchange(second, 7, 10)
    const snapshot = counter.snapshot()
    expect(snapshot).toEqual({ setupRead: 10, setupWritten: 5, steadyRead: 10, steadyWritten: 7 })
    expect(s.received()).toBe(12)
    expect(sumWireBytes([snapshot, snapshot])).toEqual({ setupRead: 20, setupWritten: 10, steadyRead: 20, steadyWritten: 14 })
    second.destroy()
  })

  it('counts everything as setup until setup is marked done', () => {
    expect(new WireByteCounter().snapshot()).toEqual({ setupRead: 0, setupWritten: 0, steadyRead: 0, steadyWritten: 0 })
  })
})
