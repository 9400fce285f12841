import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { ScenarioConfig } from '../core/config.ts'
import { PATHS } from '../core/wire-protocol.ts'
import { mulberry32 } from '../core/random.ts'

/** How often the dropper acts, ms: faults.dropSharePerSec is a share per second. */
export const DROP_INTERVAL_MS = 1_000

// Routes whose socket carries a client's downstream (stream, held poll, periodic poll). Control and
// upstream-only sockets are never dropped: the fault is the feed connection's.
const DOWNSTREAM_PATHS: ReadonlySet<string> = new Set([PATHS.ws, PATHS.sse, PATHS.longPoll, PATHS.poll])

/** The injected connection drops of one server process. */
export interface ConnectionDropper {
  /** Client connections dropped so far (one per client dropped, whatever its number of sockets). */
  readonly drops: number
  /** Stops the timer. */
  close (): void
}

/**
 * Drops faults.dropSharePerSec of the connected clients every second while `isRunning()`. A drop destroys
 * every downstream TCP socket of the client, the same way for every transport and below every adapter:
 * ws sees 1006, SSE a body error, a held long-poll a reset, a short poll a closed keep-alive socket (its
 * next poll simply opens a new one). What was in flight is for the client's resume (ws after=,
 * Last-Event-ID, cursor) to recover. Fractional shares carry over, so 0.1 of 5 clients drops one every 2 s.
 */
export function startConnectionDropper (app: FastifyInstance, config: ScenarioConfig, isRunning: () => boolean): ConnectionDropper {
  const share = config.faults.dropSharePerSec
  const byClient = new Map<string, Set<Socket>>()
  const random = seededRandom(config.seed)
  let drops = 0
  let carry = 0
  if (share > 0) {
    app.addHook('onRequest', async (request) => {
      const client = (request.query as Record<string, unknown> | null)?.client
      if (!DOWNSTREAM_PATHS.has(request.routeOptions.url ?? '') || typeof client !== 'string') return
      const socket = request.raw.socket
      const sockets = byClient.get(client) ?? new Set()
      if (sockets.has(socket)) return
      sockets.add(socket)
      byClient.set(client, sockets)
      socket.once('close', () => {
        sockets.delete(socket)
        if (sockets.size === 0 && byClient.get(client) === sockets) byClient.delete(client)
      })
    })
  }
  const timer = share > 0 ? setInterval(dropSome, DROP_INTERVAL_MS) : undefined
  timer?.unref()

  function dropSome (): void {
    if (!isRunning()) {
      carry = 0
      return
    }
    const clients = [...byClient.keys()]
    carry += share * clients.length
    const count = Math.min(Math.floor(carry), clients.length)
    for (let k = 0; k < count; k++) {
      // partial Fisher–Yates: clients[0..k] is a uniform sample without repeats
      const j = k + Math.floor(random() * (clients.length - k))
      const pick = clients[j] as string
      clients[j] = clients[k] as string
      clients[k] = pick
      for (const socket of [...byClient.get(pick) ?? []]) socket.destroy()
    }
    drops += count
    // only the fraction carries over: fewer connected clients than due must not pile up drops for later
    carry = (carry - count) % 1
  }

  return {
    /** Clients whose connection was dropped so far. */
    get drops () { return drops },
    close () { clearInterval(timer) },
  }
}

/** mulberry32, seeded from the scenario (mixed, so drops do not follow the payload sequence). */
function seededRandom (seed: number): () => number {
  return mulberry32(seed ^ 0x5BD1E995)
}
