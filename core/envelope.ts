/**
 * The unit the feed carries. Every transport delivers byte-identical envelopes (JSON text); only the
 * framing around them differs.
 */
export interface Envelope {
  /** Stream name: one shared stream for broadcast and chat, one per client for per-client and request-response. */
  readonly stream: string
  /** Changes when the server process restarts, so a client can tell a reset from a loss. */
  readonly epoch: string
  /** 1-based, gapless per stream within an epoch. */
  readonly seq: number
  /** When the message was scheduled (open loop), µs on the host's monotonic clock: latency is measured from here. */
  readonly tSchedUs: number
  /** When the server handed the message to the transport, µs on the same clock. */
  readonly tSendUs: number
  /** Deterministic, seeded payload of the scenario's size. */
  readonly payload: string
}

/** A message a client sends to the server (chat line, request). */
export interface UpstreamMessage {
  /** Sending client's id. */
  readonly client: string
  /** 1-based per client. */
  readonly seq: number
  /** When the client scheduled this message (open loop), µs on the host's monotonic clock. */
  readonly tSchedUs: number
  /** Deterministic payload of the scenario's upstream size. */
  readonly payload: string
}

/**
 * Explicit answer for a resume point older than the replay ring: messages fromSeq..toSeq (inclusive)
 * can no longer be delivered and are counted as lost by the client.
 */
export interface GapNotice {
  readonly gap: true
  readonly stream: string
  readonly epoch: string
  readonly fromSeq: number
  readonly toSeq: number
}

/**
 * Body of a long-poll / poll answer. Built by string concatenation on the server so that each
 * envelope is serialised once; `messages` are the envelopes after the request's cursor, in order.
 */
export interface PollBatch {
  readonly epoch: string
  /** The cursor to send next time: the seq of the last message included, or the request's cursor. */
  readonly cursor: number
  readonly messages: readonly Envelope[]
  readonly gap?: GapNotice
}

/**
 * The last text one parse function was given and what it returned. A fan-out hands the same bytes to
 * every subscriber of a stream, and a load generator's clients of one stream read them back to back:
 * an equal text is answered with the same value, so one delivery of N costs a string comparison, not
 * a JSON.parse. The value is shared between those deliveries; its readonly types are the contract
 * that nobody changes it. Only what parsed cleanly is remembered.
 */
class LastParse<T> {
  private text: string | undefined
  private value: T | undefined

  constructor (private readonly parse: (text: string) => T) {}

  get (text: string): T {
    if (text === this.text) return this.value as T
    const value = this.parse(text)
    this.text = text
    this.value = value
    return value
  }
}

const lastDownstream = new LastParse((text): Envelope | GapNotice => {
  const value = JSON.parse(text) as Partial<Envelope> & Partial<GapNotice>
  if (typeof value !== 'object' || value === null || typeof value.seq !== 'number') {
    if (value?.gap === true) return value as GapNotice
    throw new TypeError(`downstream frame is neither an envelope nor a gap notice: ${text.slice(0, 80)}`)
  }
  return value as Envelope
})

/** Parses one downstream JSON text into an envelope or a gap notice; throws on anything else. Equal consecutive texts give the same object (see LastParse). */
export function parseDownstream (text: string): Envelope | GapNotice {
  return lastDownstream.get(text)
}

const lastPollBatch = new LastParse((text) => JSON.parse(text) as PollBatch)

/** Parses the body of a long-poll / poll answer. Equal consecutive bodies give the same object (see LastParse). */
export function parsePollBatch (text: string): PollBatch {
  return lastPollBatch.get(text)
}

/** True when a downstream item is a gap notice. */
export function isGap (item: Envelope | GapNotice): item is GapNotice {
  return 'gap' in item
}
