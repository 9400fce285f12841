/**
 * The page's stand-in for core/clock.ts (the page bundle substitutes it): the same two exports, read
 * from the page's high-resolution clock and shifted onto the server's monotonic clock by the offset
 * alignClock measured, so envelope times (tSchedUs, tSendUs) and page receive times can be subtracted.
 */

let offsetUs = 0
let boundUs = Number.POSITIVE_INFINITY

/** Receive times that read earlier than the message's tSendUs by no more than the clock's bound, moved up to tSendUs (see causalRecvUs). */
export const clockCounters = { movedToSend: 0 }

/** Server-monotonic time in integer µs, as the page estimates it (error bound: see alignClock). */
export function nowUs (): number {
  return Math.round(performance.now() * 1000 + offsetUs)
}

/** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done (): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}

/**
 * A receive time no earlier than the message's send time. A message cannot arrive before the server
 * handed it to the transport, but the page clock is off by up to the alignment's bound, so on a fast
 * path it sometimes reads a little earlier: within the bound that is clock error, and the receive time
 * is moved up to tSendUs (counted in clockCounters). Earlier than that, it is left as it is and the
 * negative latency is counted out of range, flagging the round.
 */
export function causalRecvUs (recvUs: number, tSendUs: number): number {
  if (recvUs >= tSendUs || tSendUs - recvUs > boundUs) return recvUs
  clockCounters.movedToSend++
  return tSendUs
}

/** The page clock's offset to the server and its error bound, µs. */
export interface ClockAlignment {
  readonly offsetUs: number
  readonly boundUs: number
  readonly bestRoundTripUs: number
  readonly exchanges: number
}

/**
 * Estimates the offset of performance.now() to the server's monotonic clock (NTP's method, as DESIGN.md
 * states it for remote generators): `exchanges` sequential GETs of `clockUrl`, each reading the page
 * clock before (a) and after (b) and the server's nowUs (s) in between. The server read its clock
 * somewhere inside [a, b], so offset = s − (a + b) / 2 is wrong by at most (b − a) / 2; the exchange with
 * the smallest round trip gives the tightest bound, and that one is kept.
 */
export async function alignClock (clockUrl: string, exchanges: number): Promise<ClockAlignment> {
  let best: ClockAlignment | undefined
  let lastError: unknown
  for (let i = 0; i < exchanges; i++) {
    const a = performance.now() * 1000
    let s: number
    try {
      const res = await fetch(clockUrl, { cache: 'no-store' })
      s = (await res.json() as { nowUs: number }).nowUs
    } catch (err) {
      // an exchange the browser aborted (a network change on the host) tells nothing; the others still do
      lastError = err
      continue
    }
    const b = performance.now() * 1000
    const roundTripUs = b - a
    if (best === undefined || roundTripUs < best.bestRoundTripUs) {
      best = { offsetUs: s - (a + b) / 2, boundUs: roundTripUs / 2, bestRoundTripUs: roundTripUs, exchanges }
    }
  }
  if (best === undefined) throw new Error(`no clock exchange with ${clockUrl} succeeded: ${String(lastError)}`)
  offsetUs = best.offsetUs
  boundUs = best.boundUs
  return best
}
