import { describe, expect, it } from 'vitest'
import { formatSseEvent, SSE_HEARTBEAT, SSE_PRELUDE } from '../servers/sse.ts'
import { SseReader, type SseEvent } from './sse-reader.ts'

const BOM = '\uFEFF'

/** Pushes each piece (text as UTF-8) into one reader, scribbling over every chunk once push has returned. */
function read (pieces: ReadonlyArray<string | Buffer>, maxLineBytes = 1024): SseEvent[] {
  const events: SseEvent[] = []
  const reader = new SseReader(maxLineBytes, (event) => events.push(event))
  for (const piece of pieces) {
    const chunk = Buffer.from(piece)
    reader.push(chunk)
    // the chunk stands for a reused read buffer: nothing may still point into it
    chunk.fill('#')
  }
  return events
}

function message (data: string, id?: string, event?: string): SseEvent {
  return { event, data, id }
}

describe('SseReader: lines (HTML Standard §9.2.6)', () => {
  it.each([['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']])('dispatches on an empty line with %s line ends', (_name, end) => {
    expect(read([`id: 1${end}data: a${end}${end}data: b${end}${end}`])).toEqual([message('a', '1'), message('b', '1')])
  })

  it('a CRLF split between two chunks is one line end, not an empty line', () => {
    expect(read(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([message('a\nb')])
  })

  it('a CR that ends a chunk ends its line at once, also the line of a kept tail: no wait for the next byte', () => {
    const events: SseEvent[] = []
    const reader = new SseReader(1024, (event) => events.push(event))
    reader.push(Buffer.from('data: a\r\r'))
    expect(events).toEqual([message('a')])
    reader.push(Buffer.from('\nda'))
    reader.push(Buffer.from('ta: b\r'))
    reader.push(Buffer.from('\r'))
    expect(events).toEqual([message('a'), message('b')])
  })

  it('an LF after a chunk-ending CR is skipped once, even across an empty chunk; a second LF is an empty line', () => {
    expect(read(['data: a\r', '', '\n', '\n'])).toEqual([message('a')])
    expect(read(['data: a\r', '\n\n'])).toEqual([message('a')])
  })

  it('skips one leading BOM, also when its bytes arrive one by one; a second BOM starts an unknown field', () => {
    const bytes = Buffer.from(`${BOM}data: a\n\n`)
    expect(read([bytes])).toEqual([message('a')])
    expect(read([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2, 3), bytes.subarray(3)])).toEqual([message('a')])
    expect(read([`${BOM}${BOM}data: first\n\ndata: second\n\n`])).toEqual([message('second')])
  })

  it('a BOM later in the stream is not skipped, and a broken BOM is decoded as it stands', () => {
    expect(read(['data: a\n\n', `${BOM}data: b\n\n`])).toEqual([message('a')])
    expect(read([Buffer.from([0xef, 0xbb]), 'data: a\n\ndata: b\n\n'])).toEqual([message('b')])
  })

  it('comments, heartbeats and the prelude dispatch nothing', () => {
    expect(read([SSE_PRELUDE, SSE_HEARTBEAT, ': ok: still\n', 'data: a\n', ':\n', '\n'])).toEqual([message('a')])
  })

  it('a stream that ends mid-event dispatches nothing of it', () => {
    expect(read(['data: a\n\ndata: b\n'])).toEqual([message('a')])
  })
})

describe('SseReader: fields', () => {
  it('joins several data lines with LF and keeps empty ones', () => {
    expect(read(['data: a\ndata:\ndata: b\n\n', 'data\ndata\n\n'])).toEqual([message('a\n\nb'), message('\n')])
  })

  it('removes exactly one space after the colon, and none when there is none', () => {
    expect(read(['data:a\n\ndata:  b \n\nevent:gap\ndata: c\n\n'])).toEqual([message('a'), message(' b '), message('c', undefined, 'gap')])
  })

  it('a line without a colon is a field with an empty value', () => {
    expect(read(['event: gap\nevent\ndata\n\n', 'id: 3\nid\ndata: x\n\n'])).toEqual([message(''), message('x', '')])
  })

  it('the last event ID persists across events until another id field changes it', () => {
    expect(read(['id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\n'])).toEqual([message('a', '1'), message('b', '1'), message('c', '2')])
  })

  it('an id containing U+0000 is ignored; an empty id sets the last event ID to ""', () => {
    expect(read(['id: 7\ndata: a\n\nid: 8\0\ndata: b\n\nid: \ndata: c\n\n'])).toEqual([message('a', '7'), message('b', '7'), message('c', '')])
  })

  it('an empty data buffer dispatches nothing but still resets the event type', () => {
    expect(read(['event: gap\n\ndata: a\n\nevent: error\nid: 1\n\ndata: b\n\n'])).toEqual([message('a'), message('b', '1')])
  })

  it('an empty event field means "message" (undefined); the type lasts for one event', () => {
    expect(read(['event:\ndata: a\n\nevent: error\ndata: b\n\ndata: c\n\n'])).toEqual([message('a'), message('b', undefined, 'error'), message('c')])
  })

  it('retry, unknown fields and fields with a leading space are ignored', () => {
    expect(read(['retry: 10\nretry: 5s\nfoo: bar\n data: no\ndata : no\nDATA: no\ndata: yes\n\n'])).toEqual([message('yes')])
  })

  it('decodes UTF-8 split across chunks, and NUL or a second BOM inside data', () => {
    const bytes = Buffer.from(`event: é\ndata: 😀 ü\0${BOM}\n\n`)
    const pieces = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))
    expect(read(pieces)).toEqual([message(`😀 ü\0${BOM}`, undefined, 'é')])
  })

  it('reads the server\'s own frames (formatSseEvent)', () => {
    const text = SSE_PRELUDE + formatSseEvent('{"seq":1}', 1) + SSE_HEARTBEAT + formatSseEvent('a\r\nb', undefined, 'gap') + formatSseEvent('slow consumer', undefined, 'error')
    expect(read([text])).toEqual([message('{"seq":1}', '1'), message('a\nb', '1', 'gap'), message('slow consumer', '1', 'error')])
  })

  it('gives the same event for one event cut in two at every byte position, in each line-end style', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const bytes = Buffer.from(`${BOM}event: gap${end}id: 42${end}data: {"é":"😀"}${end}data: x${end}${end}:${end}`)
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(read([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([message('{"é":"😀"}\nx', '42', 'gap')])
      }
    }
  })
})

describe('SseReader: limits', () => {
  it('throws a protocol error for a line above the limit, complete or split, and reads nothing after it', () => {
    expect(read([`data: ${'x'.repeat(10)}\n\n`], 16)).toEqual([message('x'.repeat(10))])
    expect(() => read([`data: ${'x'.repeat(11)}\n\n`], 16)).toThrow('sse protocol error: a line above the 16-byte limit')
    const events: SseEvent[] = []
    const reader = new SseReader(16, (event) => events.push(event))
    reader.push(Buffer.from('data: 123456789'))
    expect(() => { reader.push(Buffer.from('0ab')) }).toThrow('a line above the 16-byte limit')
    reader.push(Buffer.from('\n\ndata: b\n\n'))
    expect(events).toEqual([])
  })

  it('bounds the pending tail of a line that never ends', () => {
    const reader = new SseReader(64, () => {})
    expect(() => { for (let i = 0; i < 100; i++) reader.push(Buffer.from('data: xxxxxxxx')) }).toThrow('a line above the 64-byte limit')
  })

  it('throws for an event whose data lines add up to more than the limit', () => {
    expect(() => read(['data: 12345678\n'.repeat(3) + '\n'], 16)).toThrow('sse protocol error: event data above the 16-byte limit')
  })
})
