import fc from 'fast-check'
import { createParser } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { formatSseEvent } from '../servers/sse.ts'
import { SseReader, type SseEvent } from './sse-reader.ts'

const SEED = 0x55e2
const BOM = '\uFEFF'

/** Splits `bytes` at `cuts` (any order, repeats and out-of-range cuts ignored). */
function piecesOf (bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const ends = [...new Set(cuts)].filter((cut) => cut > 0 && cut < bytes.length).sort((a, b) => a - b).concat(bytes.length)
  return ends.map((end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end))
}

/** The events SseReader dispatches for these pieces; each is pushed from a buffer that is overwritten once push returns. */
function readerEvents (pieces: readonly Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = []
  const reader = new SseReader(1 << 20, (event) => events.push(event))
  for (const piece of pieces) {
    const chunk = Buffer.from(piece)
    reader.push(chunk)
    chunk.fill('#')
  }
  return events
}

/** The events eventsource-parser dispatches for these pieces, fed as clients/sse.ts used to (TextDecoder in stream mode). */
function parserEvents (pieces: readonly Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = []
  const parser = createParser({ onEvent: ({ event, data, id }) => events.push({ event, data, id }) })
  const decoder = new TextDecoder()
  for (const piece of pieces) parser.feed(decoder.decode(piece, { stream: true }))
  parser.feed(decoder.decode())
  return events
}

/**
 * eventsource-parser 3.1 reports an id only on the event whose block set it (it forgets the id at every
 * empty line); the HTML Standard keeps the last event ID across events. Carrying each id forward gives
 * the spec's ids, exact for streams where every block that sets an id also dispatches.
 */
function withLastEventId (events: readonly SseEvent[]): SseEvent[] {
  let lastEventId: string | undefined
  return events.map((event) => {
    lastEventId = event.id ?? lastEventId
    return { ...event, id: lastEventId }
  })
}

// one line's text: any code point but CR and LF, or a value that trips field parsing
const lineText = fc.string({ unit: 'binary', maxLength: 10 }).map((text) => text.replace(/[\r\n]/g, ''))
const value = fc.oneof(lineText, fc.constantFrom('', ' ', ' x', ':', 'a:b', '\0', 'a\0b', BOM, 'é', '😀', '\u2028'))
const fieldLine = (name: string, values: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(':', ': ', ':  '), values).map(([separator, text]) => name + separator + text)

const dataLine = fc.oneof({ weight: 6, arbitrary: fieldLine('data', value) }, { weight: 1, arbitrary: fc.constant('data') })
const otherLine = fc.oneof(
  fieldLine('event', fc.constantFrom('', 'gap', 'error', 'message', 'é')),
  fieldLine('id', fc.oneof(fc.nat().map(String), value)),
  fieldLine('retry', fc.constantFrom('1000', '5s', '')),
  fc.constantFrom('event', 'id', 'retry', 'foo', 'foo: bar', ' data: leading space', 'DATA: upper case'),
  lineText.map((text) => `:${text}`)
)

// every event block holds a data line, so no block sets an id without dispatching (see withLastEventId)
const eventBlock = fc.tuple(fc.array(otherLine, { maxLength: 3 }), fc.array(dataLine, { minLength: 1, maxLength: 3 }), fc.array(otherLine, { maxLength: 2 }))
  .map(([before, data, after]) => [...before, ...data, ...after, ''])
// the server's own framing: multi-line data, ids, gap and error events
const serverBlock = fc.tuple(lineText, fc.array(fc.constantFrom('\n', '\r', '\r\n'), { maxLength: 2 }), fc.option(fc.nat()), fc.option(fc.constantFrom('gap', 'error')))
  .map(([text, breaks, id, event]) => formatSseEvent(breaks.reduce((data, lineBreak) => data + lineBreak + text, text), id ?? undefined, event ?? undefined).split('\n').slice(0, -1))
const heartbeat = fc.constantFrom([':', ''], [': ok', ''])

/**
 * A stream's bytes: an optional BOM, then the blocks' lines, each ended by one of `endings` in turn
 * (one ending gives a uniform LF, CRLF or CR stream), then a closing heartbeat in LF: eventsource-parser
 * holds a line that ends in a CR at the end of its input until a later byte arrives, and in a mixed
 * stream a CR and the LF of the next, empty, line join into one CRLF, so the last event may still be open.
 */
const stream = fc.record({
  hasBom: fc.boolean(),
  blocks: fc.array(fc.oneof(eventBlock, serverBlock, heartbeat), { maxLength: 8 }),
  endings: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }),
}).map(({ hasBom, blocks, endings }) => {
  const text = blocks.flat().map((line, i) => line + (endings[i % endings.length] as string)).join('')
  return Buffer.from((hasBom ? BOM : '') + text + ':\n\n')
})

describe('SseReader ↔ eventsource-parser', () => {
  it('dispatches the same events (data, type, last event ID) for random streams under random byte splits', () => {
    fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (bytes, rawCuts) => {
      const pieces = piecesOf(bytes, rawCuts.map((cut) => cut % (bytes.length + 1)))
      expect(readerEvents(pieces)).toEqual(withLastEventId(parserEvents(pieces)))
    }), { seed: SEED, numRuns: 1000 })
  })

  it('gives the same events for the whole stream at once and for one byte at a time', () => {
    fc.assert(fc.property(stream, (bytes) => {
      expect(readerEvents(piecesOf(bytes, Array.from(bytes, (_, i) => i)))).toEqual(readerEvents([bytes]))
    }), { seed: SEED, numRuns: 300 })
  })

  it('departs from eventsource-parser 3.1 where it departs from the spec: kept ids, a CR at the end of input, a decoded BOM', () => {
    const cases: Array<[string, SseEvent[], SseEvent[]]> = [
      // §9.2.6: the last event ID buffer is not reset by dispatch or by an empty line
      ['id: 1\ndata: a\n\ndata: b\n\n', [{ event: undefined, data: 'a', id: '1' }, { event: undefined, data: 'b', id: undefined }],
        [{ event: undefined, data: 'a', id: '1' }, { event: undefined, data: 'b', id: '1' }]],
      ['id: 5\n\ndata: a\n\n', [{ event: undefined, data: 'a', id: undefined }], [{ event: undefined, data: 'a', id: '5' }]],
      // §9.2.6: a CR ends a line; the parser waits for the next byte to rule out CRLF
      ['data: a\r\r', [], [{ event: undefined, data: 'a', id: undefined }]],
    ]
    for (const [text, byParser, byReader] of cases) {
      const pieces = [Buffer.from(text)]
      expect(parserEvents(pieces)).toEqual(byParser)
      expect(readerEvents(pieces)).toEqual(byReader)
    }
    // the parser skips a BOM only as the three UTF-8 bytes read as Latin-1 text; TextDecoder removes the real one before it
    const events: string[] = []
    createParser({ onEvent: (event) => events.push(event.data) }).feed(`${BOM}data: a\n\n`)
    expect(events).toEqual([])
    expect(readerEvents([Buffer.from(`${BOM}data: a\n\n`)])).toEqual([{ event: undefined, data: 'a', id: undefined }])
  })
})
