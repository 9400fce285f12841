import { createServer, connect, type Server, type Socket } from 'node:net'
import type { NetworkProfile } from './network-profiles.ts'

/** Bytes queued in one direction before the proxy stops reading from the sender. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024
const LOW_WATER_BYTES = 1024 * 1024

/** A running delaying proxy. */
export interface NetworkProxy {
  /** http://127.0.0.1:PORT of the proxy. */
  readonly url: string
  close (): Promise<void>
}

/**
 * Starts a TCP proxy on 127.0.0.1 that forwards to `targetUrl`, delaying every chunk by the profile's
 * one-way delay (+ jitter), in order, and pacing each direction at the profile's bandwidth.
 */
export async function startNetworkProxy (targetUrl: string, profile: NetworkProfile, random: () => number = Math.random): Promise<NetworkProxy> {
  const target = new URL(targetUrl)
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port) })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.setNoDelay(true)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => { client.destroy(); upstream.destroy() })
    }
    pipeDelayed(client, upstream, profile, random)
    pipeDelayed(upstream, client, profile, random)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    // a TCP relay: TLS passes through untouched, so the clients speak the target's scheme to it
    url: `${target.protocol}//127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    }),
  }
}

interface Pending { readonly at: number, readonly chunk: Buffer | null }

/** Forwards `from` to `to` with delay, jitter (order kept) and a bandwidth cap; `null` marks the end. */
function pipeDelayed (from: Socket, to: Socket, profile: NetworkProfile, random: () => number): void {
  const queue: Pending[] = []
  let queuedBytes = 0
  let linkFreeAt = 0
  let lastAt = 0
  let timer: NodeJS.Timeout | undefined
  const bytesPerMs = profile.bandwidthMbitPerSec * 1000 / 8

  function enqueue (chunk: Buffer | null): void {
    const now = performance.now()
    const txMs = chunk === null || bytesPerMs === 0 ? 0 : chunk.length / bytesPerMs
    linkFreeAt = Math.max(linkFreeAt, now) + txMs
    // TCP delivers in order: jitter may delay a chunk, never let it overtake the previous one
    lastAt = Math.max(lastAt, linkFreeAt + profile.oneWayDelayMs + random() * profile.jitterMs)
    queue.push({ at: lastAt, chunk })
    if (chunk !== null) queuedBytes += chunk.length
    if (queuedBytes > HIGH_WATER_BYTES) from.pause()
    schedule()
  }

  function schedule (): void {
    if (timer !== undefined || queue.length === 0) return
    const head = queue[0] as Pending
    timer = setTimeout(flush, Math.max(0, head.at - performance.now()))
  }

  function flush (): void {
    timer = undefined
    const now = performance.now()
    while (queue.length > 0 && (queue[0] as Pending).at <= now + 0.5) {
      const { chunk } = queue.shift() as Pending
      if (chunk === null) {
        to.end()
        return
      }
      queuedBytes -= chunk.length
      if (!to.destroyed) to.write(chunk)
    }
    if (queuedBytes < LOW_WATER_BYTES && from.isPaused()) from.resume()
    schedule()
  }

  let ended = false
  function end (): void {
    if (ended) return
    ended = true
    enqueue(null)
  }
  from.on('data', (chunk: Buffer) => enqueue(chunk))
  from.on('end', end)
  from.on('close', end)
}
