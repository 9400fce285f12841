import { errors } from './errors.ts'
import type { TransportName } from './wire-protocol.ts'

/** HTTP versions a run can speak: HTTP/1.1 (plain or over TLS) and HTTP/2 (h2, always over TLS here). */
export const HTTP_VERSIONS = ['1.1', '2'] as const

/** One of HTTP_VERSIONS. */
export type HttpVersion = typeof HTTP_VERSIONS[number]

/** True when `text` names an HTTP version feedbench can run. */
export function isHttpVersion (text: string): text is HttpVersion {
  return (HTTP_VERSIONS as readonly string[]).includes(text)
}

/**
 * How the bytes of a run travel: over TLS or not, and which HTTP version the HTTP transports speak.
 * Part of a round's identity: a figure over h2 is not a figure over HTTP/1.1.
 */
export interface WireVariant {
  readonly tls: boolean
  readonly httpVersion: HttpVersion
}

/** Plain HTTP/1.1 over TCP: what a run without --tls and --http is. */
export const PLAIN_HTTP1: WireVariant = Object.freeze({ tls: false, httpVersion: '1.1' })

/**
 * Why ws cannot run over HTTP/2: WebSocket over h2 is RFC 8441's extended CONNECT, which the ws package
 * (client and server) does not implement; its upgrade is HTTP/1.1 only.
 */
export const WS_OVER_HTTP2_REASON = 'ws stays on HTTP/1.1: WebSocket over HTTP/2 (RFC 8441 extended CONNECT) is not supported by the ws package'

/** The short label of a variant, as the report and the terminal show it: "HTTP/1.1", "HTTP/1.1 + TLS", "HTTP/2 + TLS". */
export function variantLabel (variant: WireVariant): string {
  return `HTTP/${variant.httpVersion}${variant.tls ? ' + TLS' : ''}`
}

/**
 * Checks --tls and --http for the chosen transports, the same way for npm run bench and npm run serve;
 * throws BENCH_ERR_OPTION_INVALID naming the option, the value and what is allowed.
 */
export function parseWireVariant (tls: boolean, httpText: string | undefined, transports: readonly TransportName[]): WireVariant {
  const text = httpText ?? '1.1'
  if (!isHttpVersion(text)) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--http', JSON.stringify(text), `${HTTP_VERSIONS.join(' or ')} (HTTP/3 runs over QUIC, which Node 20 does not serve)`)
  }
  if (text === '2' && !tls) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--http', '"2"', '2 together with --tls (h2 runs over TLS here, as browsers speak it)')
  }
  if (text === '2' && transports.every((t) => t === 'ws')) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--http', '"2"', `2 only with sse, long-poll or poll among --transport (${WS_OVER_HTTP2_REASON})`)
  }
  return { tls, httpVersion: text }
}

/** True when a transport runs over the variant's HTTP version (ws never runs over HTTP/2). */
export function runsOver (transport: TransportName, variant: WireVariant): boolean {
  return !(transport === 'ws' && variant.httpVersion === '2')
}
