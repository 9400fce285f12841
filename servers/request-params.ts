import type { FeedHub } from '../core/adapters.ts'
import { errors } from '../core/errors.ts'
import { streamOf } from '../core/streams.ts'

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
// 15 digits stay below Number.MAX_SAFE_INTEGER; longer is "huge" and rejected
const SEQ_PATTERN = /^\d{1,15}$/

/** Who is asking for which stream, as every downstream route's query states it. */
export interface StreamParams {
  readonly client: string
  readonly stream: string
  /** The epoch the client's resume point belongs to, when it sent one. */
  readonly epoch: string | undefined
}

/** Reads one query parameter; a repeated parameter is a bad request. */
export function queryParam (query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | null)?.[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new errors.BENCH_ERR_BAD_REQUEST(name, JSON.stringify(value), 'one value')
  return value
}

/** Validates client, stream and epoch of a downstream request; throws a 400 coded error on bad input. */
export function parseStreamParams (query: unknown, hub: FeedHub): StreamParams {
  const client = queryParam(query, 'client')
  if (client === undefined || !ID_PATTERN.test(client)) {
    throw new errors.BENCH_ERR_BAD_REQUEST('client', JSON.stringify(client ?? null), '1-64 characters of A-Z a-z 0-9 _ -')
  }
  const expected = streamOf(hub.config.pattern, client)
  const stream = queryParam(query, 'stream')
  if (stream !== expected) {
    throw new errors.BENCH_ERR_BAD_REQUEST('stream', JSON.stringify(stream ?? null), `"${expected}" for client ${client} in a ${hub.config.pattern} scenario`)
  }
  const epoch = queryParam(query, 'epoch')
  if (epoch !== undefined && !ID_PATTERN.test(epoch)) {
    throw new errors.BENCH_ERR_BAD_REQUEST('epoch', JSON.stringify(epoch), '1-64 characters of A-Z a-z 0-9 _ -')
  }
  return { client, stream, epoch }
}

/**
 * Parses a resume point (ws after, SSE Last-Event-ID, poll cursor): undefined when absent; 0 when it
 * belongs to another epoch (a previous server process), so the ring is replayed; 400 when it is not a
 * seq of this stream (negative, non-integer, huge or from the future).
 */
export function parseResumePoint (raw: string | undefined, name: string, params: StreamParams, hub: FeedHub): number | undefined {
  if (raw === undefined) return undefined
  const lastSeq = hub.lastSeq(params.stream)
  if (!SEQ_PATTERN.test(raw)) throw new errors.BENCH_ERR_BAD_REQUEST(name, JSON.stringify(raw), `an integer 0..${lastSeq}`)
  if (params.epoch !== undefined && params.epoch !== hub.epoch) return 0
  const seq = Number(raw)
  if (seq > lastSeq) {
    throw new errors.BENCH_ERR_BAD_REQUEST(name, raw, `an integer 0..${lastSeq} (the last seq of ${params.stream} in epoch ${hub.epoch})`)
  }
  return seq
}

/** Parses an optional `wait=MS`, clamped to the server's hold time; absent means the full hold. */
export function parseWaitMs (raw: string | undefined, holdMs: number): number {
  if (raw === undefined) return holdMs
  if (!SEQ_PATTERN.test(raw)) throw new errors.BENCH_ERR_BAD_REQUEST('wait', JSON.stringify(raw), `an integer number of ms (clamped to ${holdMs})`)
  return Math.min(Number(raw), holdMs)
}

/** Parses an optional `max=N` (messages per poll answer), clamped to `limit`; absent means `limit`, below 1 is a bad request. */
export function parseMaxMessages (raw: string | undefined, limit: number): number {
  if (raw === undefined) return limit
  if (!SEQ_PATTERN.test(raw) || Number(raw) < 1) throw new errors.BENCH_ERR_BAD_REQUEST('max', JSON.stringify(raw), `an integer >= 1 (clamped to ${limit})`)
  return Math.min(Number(raw), limit)
}
