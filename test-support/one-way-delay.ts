import { connect, createServer, type Socket } from 'node:net'

/** A running one-way delaying TCP forwarder. */
export interface OneWayDelay {
  /** http://HOST:PORT of the forwarder. */
  readonly url: string
  close (): Promise<void>
}

/**
 * Test helper, for kernels without the netem qdisc: forwards `listenHost`:0 to `targetUrl` and holds every
 * chunk from the target back by `delayMs` (in order) before passing it on; the other direction is not
 * delayed. The path through it is asymmetric, as a one-way netem delay on the target's side of a link is.
 */
export async function startOneWayDelay (listenHost: string, targetUrl: string, delayMs: number): Promise<OneWayDelay> {
  const target = new URL(targetUrl)
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port) })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.setNoDelay(true)
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy() })
      s.on('error', () => {})
    }
    client.pipe(upstream)
    let last = 0
    upstream.on('data', (chunk: Buffer) => {
      // every chunk leaves delayMs after it arrived, never before the one ahead of it
      const dueMs = Math.max(performance.now() + delayMs, last)
      last = dueMs
      setTimeout(() => { if (!client.destroyed) client.write(chunk) }, dueMs - performance.now())
    })
    upstream.on('end', () => { setTimeout(() => client.end(), delayMs) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, listenHost, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://${listenHost}:${port}`,
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
