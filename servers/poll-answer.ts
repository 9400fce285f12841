import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FeedHub, HubMessage } from '../core/adapters.ts'
import { parseMaxMessages, parseResumePoint, parseStreamParams, queryParam, type StreamParams } from './request-params.ts'

/** A validated poll (long-poll or poll): who, which stream, the cursor (undefined: start from now) and the answer's size limit. */
export interface PollRequest {
  readonly params: StreamParams
  readonly cursor: number | undefined
  /** Most messages one answer carries: `max=` clamped to the ring size, which is also the default. */
  readonly maxMessages: number
}

/** Validates a poll's query (client, stream, cursor, epoch, max); throws a 400 coded error on bad input. */
export function parsePollRequest (request: FastifyRequest, hub: FeedHub): PollRequest {
  const params = parseStreamParams(request.query, hub)
  return {
    params,
    cursor: parseResumePoint(queryParam(request.query, 'cursor'), 'cursor', params, hub),
    maxMessages: parseMaxMessages(queryParam(request.query, 'max'), hub.config.ringSize),
  }
}

/**
 * The PollBatch JSON for at most `maxMessages` messages after `cursor`, built by concatenating each
 * message's JSON text (serialised once by the hub). Without a cursor, or when `isEmpty`, no messages:
 * the client learns the cursor to continue from.
 */
export function pollBatchJson (hub: FeedHub, stream: string, cursor: number | undefined, isEmpty = false, maxMessages = hub.config.ringSize): string {
  const start = cursor ?? hub.lastSeq(stream)
  const read = isEmpty || cursor === undefined ? { messages: [] } : hub.read(stream, start, maxMessages)
  const messages: readonly HubMessage[] = read.messages
  const last = messages[messages.length - 1]
  const next = last === undefined ? start : last.env.seq
  let body = `{"epoch":${JSON.stringify(hub.epoch)},"cursor":${next},"messages":[`
  for (let i = 0; i < messages.length; i++) body += (i === 0 ? '' : ',') + (messages[i] as HubMessage).json
  body += ']'
  if ('gap' in read && read.gap !== undefined) body += `,"gap":${JSON.stringify(read.gap)}`
  return body + '}'
}

/** Sends a poll answer: 200, JSON, never cached, stating the effective message limit in x-feedbench-max-messages. */
export function sendPollBatch (reply: FastifyReply, hub: FeedHub, poll: PollRequest, isEmpty = false): FastifyReply {
  return reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-feedbench-max-messages', String(poll.maxMessages))
    .send(pollBatchJson(hub, poll.params.stream, poll.cursor, isEmpty, poll.maxMessages))
}
