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
 */

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
    ['Date', 'x'.repeat(HTTP_DATE_BYTES)],
    ['Connection', 'keep-alive'],
    ['Keep-Alive', `timeout=${head.keepAliveSec ?? FASTIFY_KEEP_ALIVE_SEC}`]
  )
  return httpHeadBytes('HTTP/1.1 200 OK', headers) + bodyBytes
}

/** Bytes of a PollBatch body `{"epoch":E,"cursor":C,"messages":[…]}` holding envelopes of these JSON sizes (no gap). */
export function pollBodyBytes (epoch: string, cursor: number, messageJsonBytes: readonly number[]): number {
  let total = '{"epoch":'.length + utf8Bytes(JSON.stringify(epoch)) + ',"cursor":'.length + String(cursor).length + ',"messages":['.length + ']}'.length
  for (const bytes of messageJsonBytes) total += bytes
  return total + Math.max(0, messageJsonBytes.length - 1) // commas
}
