import { createServer, connect, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startNetworkProxy, type NetworkProxy } from './network-proxy.ts'
import type { NetworkProfile } from './network-profiles.ts'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

async function echoServer (): Promise<string> {
  const server = createServer((s) => s.pipe(s))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function proxied (profile: NetworkProfile): Promise<NetworkProxy> {
  const proxy = await startNetworkProxy(await echoServer(), profile)
  cleanups.push(() => proxy.close())
  return proxy
}

function roundTrip (url: string, payload: Buffer, count: number): Promise<{ rttsMs: number[], echoed: Buffer }> {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  socket.setNoDelay(true)
  const rttsMs: number[] = []
  const received: Buffer[] = []
  let got = 0
  let sentAt = 0
  return new Promise((resolve, reject) => {
    socket.on('error', reject)
    socket.on('connect', send)
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      got += chunk.length
      if (got < payload.length * (rttsMs.length + 1)) return
      rttsMs.push(performance.now() - sentAt)
      if (rttsMs.length === count) {
        socket.destroy()
        resolve({ rttsMs, echoed: Buffer.concat(received) })
      } else send()
    })
    function send (): void {
      sentAt = performance.now()
      socket.write(payload)
    }
  })
}

describe('network proxy', () => {
  it('adds the one-way delay in each direction: 20 ms each way gives a 40 ms round trip', async () => {
    const proxy = await proxied({ name: 'wan', oneWayDelayMs: 20, jitterMs: 0, bandwidthMbitPerSec: 0 })
    const { rttsMs } = await roundTrip(proxy.url, Buffer.from('ping'), 15)
    const sorted = [...rttsMs].sort((a, b) => a - b)
    const median = sorted[Math.floor(sorted.length / 2)] as number
    expect(median).toBeGreaterThanOrEqual(40)
    expect(median).toBeLessThan(46)
  })

  it('keeps bytes in order under jitter', async () => {
    const proxy = await proxied({ name: 'mobile', oneWayDelayMs: 2, jitterMs: 5, bandwidthMbitPerSec: 0 })
    const payload = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 251))
    const { echoed } = await roundTrip(proxy.url, payload, 5)
    expect(echoed.equals(Buffer.concat(Array.from({ length: 5 }, () => payload)))).toBe(true)
  })

  it('paces a direction at the profile bandwidth', async () => {
    // 256 KiB at 8 Mbit/s takes at least 262 ms one way (the echo overlaps the way back)
    const proxy = await proxied({ name: 'lan', oneWayDelayMs: 0, jitterMs: 0, bandwidthMbitPerSec: 8 })
    const { rttsMs } = await roundTrip(proxy.url, Buffer.alloc(256 * 1024, 7), 1)
    expect(rttsMs[0]).toBeGreaterThanOrEqual(255)
  })
})
