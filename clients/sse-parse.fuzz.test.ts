import fc from 'fast-check'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import type { Envelope } from '../core/envelope.ts'
import { parseDownstream } from '../core/envelope.ts'
import { formatSseEvent, SSE_HEARTBEAT, SSE_PRELUDE } from '../servers/sse.ts'

const SEED = 0x55e
const BOM = '\uFEFF'

/** One thing the server writes on a stream: an event (envelope, gap or error) or a heartbeat comment. */
type Written =
  | { readonly kind: 'event', readonly data: string, readonly id?: number | undefined, readonly event?: string | undefined }
  | { readonly kind: 'heartbeat' }

interface Parsed {
  readonly id: string | undefined
  readonly event: string | undefined
  readonly data: string
}

type LineEnding = 'lf' | 'crlf' | 'cr'

/**
 * The exact text the server writes for these items: the prelude comment, each item framed by
 * servers/sse.ts, and a closing heartbeat. eventsource-parser 3.1 holds a line that ends in a lone CR
 * at the end of its input until the next byte shows no LF follows, so in CR-only streams the last
 * event surfaces only when more bytes arrive; the closing heartbeat is those bytes (see the EOF test).
 */
function serverText (items: readonly Written[]): string {
  return SSE_PRELUDE + items.map((item) => item.kind === 'heartbeat' ? SSE_HEARTBEAT : formatSseEvent(item.data, item.id, item.event)).join('') + SSE_HEARTBEAT
}

/** What a conforming parser must give back: data with every CR / CRLF turned into LF (the SSE data model), comments dropped. */
function expectedEvents (items: readonly Written[]): Parsed[] {
  return items.flatMap((item) => item.kind === 'heartbeat'
    ? []
    : [{ id: item.id === undefined ? undefined : String(item.id), event: item.event, data: item.data.replace(/\r\n|\r/g, '\n') }])
}

/** Rewrites the server's LF line ends (the only line breaks left after framing) in another allowed style. */
function withLineEnding (text: string, ending: LineEnding): string {
  return ending === 'lf' ? text : text.replaceAll('\n', ending === 'crlf' ? '\r\n' : '\r')
}

/** Feeds UTF-8 bytes cut at `cuts` the way clients/sse.ts does (TextDecoder in stream mode, then the parser). */
function parseChunks (bytes: Uint8Array, cuts: readonly number[]): Parsed[] {
  const events: Parsed[] = []
  const parser = createParser({ onEvent: (e: EventSourceMessage) => events.push({ id: e.id, event: e.event, data: e.data }) })
  const decoder = new TextDecoder()
  let start = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (cut <= start || cut > bytes.length) continue
    parser.feed(decoder.decode(bytes.subarray(start, cut), { stream: true }))
    start = cut
  }
  parser.feed(decoder.decode())
  return events
}

function utf8 (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

// text with the characters that break naive framing: CR, LF, CRLF, colons, leading spaces, NUL, BOM, astral and multi-byte UTF-8
const awkwardText = fc.array(fc.oneof(
  fc.constantFrom('\n', '\r', '\r\n', '\n\n', ':', ' ', 'data: x', 'id: 9', '\0', BOM, '\u2028', 'é', '😀', '"', '\\'),
  fc.string({ maxLength: 8 })
), { maxLength: 12 }).map((parts) => parts.join(''))

const written: fc.Arbitrary<Written> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('event' as const), data: awkwardText, id: fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: undefined }), event: fc.option(fc.constantFrom('gap', 'error'), { nil: undefined }) }, { requiredKeys: ['kind', 'data'] }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'heartbeat' as const }) }
)

describe('SSE framing (servers/sse.ts) ↔ eventsource-parser', () => {
  it('round-trips random events under random byte splits, every line-ending style and a leading BOM', () => {
    fc.assert(fc.property(
      fc.array(written, { maxLength: 12 }),
      fc.constantFrom<LineEnding>('lf', 'crlf', 'cr'),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 20 }),
      (items, ending, hasBom, rawCuts) => {
        const bytes = utf8((hasBom ? BOM : '') + withLineEnding(serverText(items), ending))
        const cuts = rawCuts.map((c) => c % (bytes.length + 1))
        expect(parseChunks(bytes, cuts)).toEqual(expectedEvents(items))
      }), { seed: SEED, numRuns: 400 })
  })

  it('an envelope with a random payload travels as one data line and parses back to the same envelope', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), fc.integer({ min: 1, max: 2 ** 40 }), (payload, seq) => {
      const env: Envelope = { stream: 'feed', epoch: 'e1', seq, tSchedUs: 1, tSendUs: 2, payload }
      const text = formatSseEvent(JSON.stringify(env), seq)
      // JSON never contains a raw CR or LF, so the fast path writes exactly one data line
      expect(text.split('\n').filter((l) => l.startsWith('data: '))).toHaveLength(1)
      const [event] = parseChunks(utf8(text), [])
      expect(event?.id).toBe(String(seq))
      expect(parseDownstream(event?.data ?? '')).toEqual(env)
    }), { seed: SEED, numRuns: 300 })
  })

  it('payloads with \\n, \\r and \\r\\n become several data: lines and come back with LF line breaks', () => {
    const text = formatSseEvent('a\nb\rc\r\nd', 3)
    expect(text).toBe('id: 3\ndata: a\ndata: b\ndata: c\ndata: d\n\n')
    expect(parseChunks(utf8(text), [])).toEqual([{ id: '3', event: undefined, data: 'a\nb\nc\nd' }])
    expect(parseChunks(utf8(formatSseEvent('\n')), [])).toEqual([{ id: undefined, event: undefined, data: '\n' }])
  })

  it('gives the same events for a one-shot feed and for every-byte splits, in LF, CRLF and CR', () => {
    const items: Written[] = [
      { kind: 'event', data: '{"seq":1,"payload":"é😀"}', id: 1 },
      { kind: 'heartbeat' },
      { kind: 'event', data: 'multi\nline\r\nwith\rbreaks', event: 'gap' },
      { kind: 'event', data: '', id: 2, event: 'error' },
    ]
    for (const ending of ['lf', 'crlf', 'cr'] as const) {
      const bytes = utf8(BOM + withLineEnding(serverText(items), ending))
      const oneShot = parseChunks(bytes, [])
      expect(oneShot).toEqual(expectedEvents(items))
      expect(parseChunks(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(oneShot)
    }
  })

  it('a CRLF split between its CR and LF is one line end, not two (no extra empty event)', () => {
    const text = withLineEnding(serverText([{ kind: 'event', data: 'a', id: 1 }, { kind: 'event', data: 'b', id: 2 }]), 'crlf')
    const bytes = utf8(text)
    const crCuts = [...text].flatMap((ch, i) => (ch === '\r' ? [i + 1] : []))
    expect(parseChunks(bytes, crCuts)).toEqual([{ id: '1', event: undefined, data: 'a' }, { id: '2', event: undefined, data: 'b' }])
  })

  it('a second BOM is not stripped: the event it starts is dropped, the next one arrives', () => {
    const bytes = utf8(BOM + BOM + 'data: first\n\ndata: second\n\n')
    expect(parseChunks(bytes, [1, 2, 3, 4])).toEqual([{ id: undefined, event: undefined, data: 'second' }])
  })

  it('a stream that ends mid-event discards the partial event', () => {
    const text = serverText([{ kind: 'event', data: 'whole', id: 1 }]) + 'id: 2\ndata: {"partial":'
    expect(parseChunks(utf8(text), [5, 20])).toEqual([{ id: '1', event: undefined, data: 'whole' }])
  })

  it('CR-only streams: an event whose last line end is a CR at the end of the input waits for the next byte (lost at EOF)', () => {
    // documented parser behaviour; feedbench's server writes LF only (formatSseEvent), so it never applies here
    const bytes = utf8('data: a\r\r')
    expect(parseChunks(bytes, [])).toEqual([])
    expect(parseChunks(utf8('data: a\r\r:'), [])).toEqual([{ id: undefined, event: undefined, data: 'a' }])
    expect(parseChunks(utf8('data: a\n\n'), [])).toEqual([{ id: undefined, event: undefined, data: 'a' }])
  })

  it('retry: 5s is ignored, retry: 10000 is taken, an id with NUL is ignored, an empty id resets it', () => {
    const retries: number[] = []
    const errors: string[] = []
    const events: Parsed[] = []
    const parser = createParser({
      onEvent: (e) => events.push({ id: e.id, event: e.event, data: e.data }),
      onRetry: (ms) => retries.push(ms),
      onError: (err) => errors.push((err as Error & { type?: string }).type ?? ''),
    })
    parser.feed('retry: 5s\n\nretry: 10000\n\nid: a\0b\ndata: x\n\nid\ndata: y\n\nid: 7\ndata: z\n\n')
    expect(retries).toEqual([10_000])
    expect(errors).toEqual(['invalid-retry'])
    expect(events).toEqual([
      { id: undefined, event: undefined, data: 'x' },
      { id: '', event: undefined, data: 'y' }, // HTML Standard: an empty id sets the last event ID to "", so no Last-Event-ID is sent next
      { id: '7', event: undefined, data: 'z' },
    ])
  })
})
