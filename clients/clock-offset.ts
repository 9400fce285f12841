import { Pool } from 'undici'
import type { ClockEstimate, ServerClock } from '../core/control.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { PATHS } from '../core/wire-protocol.ts'

/** Request/answer exchanges per estimate: the first pays for the TCP connect, the rest find a quiet round trip. */
export const CLOCK_EXCHANGES = 8
const EXCHANGE_TIMEOUT_MS = 5_000

/**
 * Estimates server clock − this process's clock (NTP's method, one exchange at a time): ask the server
 * for its nowUs between local readings t0 and t1, keep the exchange with the smallest round trip.
 * The server read its clock somewhere in [t0, t1], so offset = serverNow − (t0 + t1) / 2 is off by at
 * most (t1 − t0) / 2, however asymmetric the path is.
 */
export async function estimateClockOffset (baseUrl: string, exchanges: number = CLOCK_EXCHANGES): Promise<ClockEstimate> {
  // one keep-alive connection, so every exchange after the first measures the path, not a handshake
  const pool = new Pool(baseUrl, { connections: 1, headersTimeout: EXCHANGE_TIMEOUT_MS, bodyTimeout: EXCHANGE_TIMEOUT_MS })
  let best: { rttUs: number, offsetUs: number } | undefined
  try {
    for (let i = 0; i < exchanges; i++) {
      const t0 = nowUs()
      const answer = await pool.request({ method: 'GET', path: PATHS.controlClock })
      const body = await answer.body.text()
      const t1 = nowUs()
      if (answer.statusCode !== 200) throw new Error(`GET ${PATHS.controlClock} answered ${answer.statusCode}`)
      const server = JSON.parse(body) as ServerClock
      const rttUs = t1 - t0
      if (best === undefined || rttUs < best.rttUs) best = { rttUs, offsetUs: server.nowUs - (t0 + t1) / 2 }
    }
  } catch (err) {
    throw new errors.BENCH_ERR_TARGET_UNREACHABLE(baseUrl, `clock exchange failed: ${(err as Error).message}`, { cause: err })
  } finally {
    await pool.destroy()
  }
  if (best === undefined) throw new errors.BENCH_ERR_OPTION_INVALID('clock exchanges', String(exchanges), 'at least 1')
  return { offsetUs: Math.round(best.offsetUs), boundUs: Math.ceil(best.rttUs / 2) }
}
