import type { ScenarioPattern } from './config.ts'

/** The id of the i-th client (0-based) of a run: the same in every load-generator process. */
export function clientIdOf (index: number): string {
  return `c${index}`
}

/**
 * The stream a client reads: one shared stream for broadcast and chat, its own stream for
 * per-client and request-response. Servers and clients both derive it from here.
 */
export function streamOf (pattern: ScenarioPattern, clientId: string): string {
  return pattern === 'broadcast' || pattern === 'chat' ? 'feed' : `to-${clientId}`
}

/** True when clients of this pattern send upstream messages on a schedule. */
export function sendsUpstream (pattern: ScenarioPattern): boolean {
  return pattern === 'chat' || pattern === 'request-response'
}
