import type { IncomingHttpHeaders } from 'node:http'
import type { ScenarioConfig } from '../core/config.ts'
import { errors } from '../core/errors.ts'
import { PATHS } from '../core/wire-protocol.ts'

/** Routes a browser page can reach (the transports and upstream); the runner's control routes are not among them. */
export const BROWSER_PATHS: ReadonlySet<string> = new Set([PATHS.ws, PATHS.sse, PATHS.longPoll, PATHS.poll, PATHS.upstream])

/**
 * The Origin / Host allow-list of a browser-facing request: throws a 403 coded error when the scenario
 * lists allowed origins and the request's Origin is not one of them, or lists allowed hosts and the
 * Host header names another (DNS rebinding). An empty list checks nothing; a request without Origin
 * (not sent by a browser, or same-origin) passes the origin check. Runs in onRequest, so a ws upgrade
 * is refused before the 101.
 */
export function checkOriginPolicy (headers: IncomingHttpHeaders, config: ScenarioConfig): void {
  const origin = headers.origin
  if (config.allowedOrigins.length > 0 && origin !== undefined && !config.allowedOrigins.includes(origin)) {
    throw new errors.BENCH_ERR_FORBIDDEN('Origin', JSON.stringify(origin), config.allowedOrigins.join(', '))
  }
  if (config.allowedHosts.length > 0) {
    const host = hostnameOf(headers.host)
    if (host === undefined || !config.allowedHosts.includes(host)) {
      throw new errors.BENCH_ERR_FORBIDDEN('Host', JSON.stringify(headers.host ?? null), config.allowedHosts.join(', '))
    }
  }
}

/** The name part of a Host header (`[::1]:80` → `::1`, `a.b:80` → `a.b`), lower-cased; undefined when absent. */
function hostnameOf (host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host)
  if (bracketed !== null) return (bracketed[1] as string).toLowerCase()
  return host.replace(/:\d+$/, '').toLowerCase()
}
