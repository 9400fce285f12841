/**
 * Wire bytes each transport spends per message, computed from the protocols and from exactly what the
 * feedbench servers and clients write (pure functions, no I/O). clients/wire-bytes.e2e.test.ts checks
 * every figure here against bytes counted at real sockets.
 *
 * What is constant and what is not, over HTTP/1.1:
 * - constant: the header names and their order, the fixed values (`content-type`, `cache-control`,
 *   `Connection: keep-alive`), and the Date value (RFC 9110 §5.6.7 IMF-fixdate, always 29 bytes);
 * - per request or answer: the request target (cursor digits, epoch), the body length and the digits of
 *   `content-length`, the hold (`x-feedbench-wait-ms`) and message limit (`x-feedbench-max-messages`)
 *   values, and `Keep-Alive: timeout=N` (the server's keepAliveTimeout; Fastify's default is 72 s).
 * Upstream (client → server) and heartbeats are here too: a ws frame or a POST and its 204 per upstream
 * message, a ping and its pong or an SSE comment chunk per heartbeat.
 */

import { PATHS, type TransportName } from '../core/wire-protocol.ts'

/** Direction of a WebSocket frame: server → client frames are unmasked, client → server frames carry a 4-byte mask. */
export type FrameDirection = 'server-to-client' | 'client-to-server'

/** Length of an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7), bytes. */
export const HTTP_DATE_BYTES = 29

/** Fastify's default keepAliveTimeout, in whole seconds, as Node writes it in `Keep-Alive: timeout=N`. */
export const FASTIFY_KEEP_ALIVE_SEC = 72

const CRLF = 2

/** Bytes of an ASCII/UTF-8 string on the wire. */
export function utf8Bytes (text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** Bytes of one single-frame WebSocket message carrying `payloadBytes` (RFC 6455 §5.2). */
export function wsFrameBytes (payloadBytes: number, direction: FrameDirection): number {
  if (!Number.isInteger(payloadBytes) || payloadBytes < 0) throw new RangeError(`payloadBytes = ${payloadBytes} must be an integer >= 0`)
  // RFC 6455 §5.2: 2 bytes (FIN/opcode, MASK/7-bit length); 126 → 16-bit extended length, 127 → 64-bit
  const lengthBytes = payloadBytes <= 125 ? 0 : payloadBytes <= 0xFFFF ? 2 : 8
  const maskBytes = direction === 'client-to-server' ? 4 : 0
  return 2 + lengthBytes + maskBytes + payloadBytes
}

/** Bytes of one HTTP/1.1 chunk carrying `dataBytes`: hex size, CRLF, data, CRLF (RFC 9112 §7.1). Node writes one per res.write. */
export function chunkBytes (dataBytes: number): number {
  return dataBytes.toString(16).length + CRLF + dataBytes + CRLF
}

/** Bytes of one feed event as servers/sse.ts formats it: `id: SEQ\n` + `data: JSON\n` + `\n` (JSON has no line breaks). */
export function sseEventBytes (seq: number, jsonBytes: number): number {
  return 'id: '.length + String(seq).length + 1 + 'data: '.length + jsonBytes + 1 + 1
}

/** Bytes of one feed event on the wire: the event in its own chunk (servers write each event with one res.write). */
export function sseChunkedEventBytes (seq: number, jsonBytes: number): number {
  return chunkBytes(sseEventBytes(seq, jsonBytes))
}

/** Bytes of an HTTP/1.1 head: start line, `name: value` lines, each with CRLF, then the empty line. */
export function httpHeadBytes (startLine: string, headers: ReadonlyArray<readonly [string, string | number]>): number {
  let total = utf8Bytes(startLine) + CRLF
  for (const [name, value] of headers) total += utf8Bytes(name) + 2 + utf8Bytes(String(value)) + CRLF
  return total + CRLF
}

/** Bytes of a poll request as undici 7 writes it: `GET target HTTP/1.1`, `host`, `connection: keep-alive`, no body. */
export function pollRequestBytes (target: string, host: string): number {
  return httpHeadBytes(`GET ${target} HTTP/1.1`, [['host', host], ['connection', 'keep-alive']])
}

/** What varies in the head of a poll answer (servers/poll-answer.ts, servers/long-poll.ts). */
export interface PollAnswerHead {
  /** The effective hold, ms: long-poll answers state it in `x-feedbench-wait-ms`; undefined for short polls. */
  readonly waitMs?: number | undefined
  /** The effective message limit stated in `x-feedbench-max-messages` (the ring size unless `max=` asked for less). */
  readonly maxMessages: number
  readonly keepAliveSec?: number
}

/**
 * Bytes of one poll answer as Fastify sends it: status line, the route's headers in the order it sets
 * them, then `content-length`, `Date`, `Connection` and `Keep-Alive` as Node adds them, then the body.
 */
export function pollResponseBytes (bodyBytes: number, head: PollAnswerHead): number {
  const headers: Array<readonly [string, string | number]> = []
  if (head.waitMs !== undefined) headers.push(['x-feedbench-wait-ms', head.waitMs])
  headers.push(
    ['content-type', 'application/json; charset=utf-8'],
    ['cache-control', 'no-cache'],
    ['x-feedbench-max-messages', head.maxMessages],
    ['content-length', bodyBytes],
    ...nodeAddedHeaders(head.keepAliveSec)
  )
  return httpHeadBytes('HTTP/1.1 200 OK', headers) + bodyBytes
}

/** The headers Node's http server appends to a keep-alive answer, in its order: `Date`, `Connection`, `Keep-Alive`. */
function nodeAddedHeaders (keepAliveSec = FASTIFY_KEEP_ALIVE_SEC): ReadonlyArray<readonly [string, string]> {
  return [['Date', 'x'.repeat(HTTP_DATE_BYTES)], ['Connection', 'keep-alive'], ['Keep-Alive', `timeout=${keepAliveSec}`]]
}

/** Bytes of a PollBatch body `{"epoch":E,"cursor":C,"messages":[…]}` holding envelopes of these JSON sizes (no gap). */
export function pollBodyBytes (epoch: string, cursor: number, messageJsonBytes: readonly number[]): number {
  let total = '{"epoch":'.length + utf8Bytes(JSON.stringify(epoch)) + ',"cursor":'.length + String(cursor).length + ',"messages":['.length + ']}'.length
  for (const bytes of messageJsonBytes) total += bytes
  return total + Math.max(0, messageJsonBytes.length - 1) // commas
}

/** Wire bytes of one exchange in each direction. */
export interface DirectedBytes {
  readonly clientToServer: number
  readonly serverToClient: number
}

/**
 * Bytes of an UpstreamMessage as JSON.stringify writes it, `{"client":C,"seq":N,"tSchedUs":T,"payload":P}`,
 * for a payload that needs no escaping (core/payload.ts draws from [A-Za-z0-9_-]).
 */
export function upstreamJsonBytes (clientId: string, seq: number, tSchedUs: number, payloadBytes: number): number {
  return '{"client":'.length + utf8Bytes(JSON.stringify(clientId)) + ',"seq":'.length + String(seq).length +
    ',"tSchedUs":'.length + String(tSchedUs).length + ',"payload":"'.length + payloadBytes + '"}'.length
}

/**
 * Bytes of one upstream POST as undici 7 writes it for clients/http-pool.ts postUpstream: `POST /upstream`,
 * `host`, `connection: keep-alive`, the request's `content-type`, then `content-length`, then the JSON body.
 */
export function upstreamRequestBytes (jsonBytes: number, host: string): number {
  return httpHeadBytes(`POST ${PATHS.upstream} HTTP/1.1`, [
    ['host', host], ['connection', 'keep-alive'], ['content-type', 'application/json'], ['content-length', jsonBytes],
  ]) + jsonBytes
}

/** Bytes of the server's answer to an upstream POST: `204 No Content` with only the headers Node adds, no body (RFC 9110 §15.3.5). */
export function upstreamAnswerBytes (keepAliveSec = FASTIFY_KEEP_ALIVE_SEC): number {
  return httpHeadBytes('HTTP/1.1 204 No Content', nodeAddedHeaders(keepAliveSec))
}

function httpUpstreamBytes (jsonBytes: number, host: string): DirectedBytes {
  return { clientToServer: upstreamRequestBytes(jsonBytes, host), serverToClient: upstreamAnswerBytes() }
}

/**
 * Bytes one upstream message of `jsonBytes` costs each way, by transport: ws sends one masked text
 * frame and gets nothing back (RFC 6455 §5.3); sse and both pollings POST it and read the 204.
 */
export const upstreamMessageBytes = {
  ws: (jsonBytes) => ({ clientToServer: wsFrameBytes(jsonBytes, 'client-to-server'), serverToClient: 0 }),
  sse: httpUpstreamBytes,
  'long-poll': httpUpstreamBytes,
  poll: httpUpstreamBytes,
} satisfies Record<TransportName, (jsonBytes: number, host: string) => DirectedBytes>

/**
 * Bytes of one ws heartbeat: the server's ping and the pong the ws client sends back on its own with
 * the same application data (RFC 6455 §5.5.2, §5.5.3); servers/ws.ts pings with an empty payload.
 */
export function wsHeartbeatBytes (pingPayloadBytes = 0): DirectedBytes {
  // RFC 6455 §5.5: a control frame's payload is at most 125 bytes
  if (pingPayloadBytes > 125) throw new RangeError(`pingPayloadBytes = ${pingPayloadBytes} must be <= 125 (control frame)`)
  return { clientToServer: wsFrameBytes(pingPayloadBytes, 'client-to-server'), serverToClient: wsFrameBytes(pingPayloadBytes, 'server-to-client') }
}

/**
 * Bytes of one SSE heartbeat: the comment line `:TEXT` + LF and the blank line that follows it
 * (servers/sse.ts writes `:\n\n`), in its own chunk; nothing goes back (HTML Standard, server-sent events:
 * a line starting with a colon is ignored).
 */
export function sseHeartbeatBytes (commentText = ''): DirectedBytes {
  return { clientToServer: 0, serverToClient: chunkBytes(':'.length + utf8Bytes(commentText) + 1 + 1) }
}
