import { errors } from '../core/errors.ts'

/** One dispatched event (HTML Standard §9.2.6, "dispatch the event"). */
export interface SseEvent {
  /** The event type buffer; undefined when no `event:` field or an empty one, which means "message". */
  readonly event: string | undefined
  /** The data buffer without its final LF: the event's `data:` values joined with LF. */
  readonly data: string
  /** The last event ID so far: it persists across events; undefined until an `id:` field arrives. */
  readonly id: string | undefined
}

const LF = 0x0a
const CR = 0x0d
const COLON = 0x3a
const SPACE = 0x20
const BOM = [0xef, 0xbb, 0xbf]
const DATA = Buffer.from('data')
const EVENT = Buffer.from('event')
const ID = Buffer.from('id')

/**
 * Reads an event stream (HTML Standard §9.2.6, "Interpreting an event stream") from its UTF-8 bytes:
 * a lean replacement for TextDecoder + eventsource-parser on the load generator's side, where a
 * delivery costs one line scan and one decode of its data. Chunks are parsed in place and may be
 * reused by the caller once push returns: only a line split across chunks is kept, as a copy. A line
 * or an event's data above maxLineBytes makes push throw; after that it reads nothing more.
 */
export class SseReader {
  private pending: Buffer | undefined
  private isStreamStart = true
  private shouldSkipLf = false
  private isDone = false
  private hasData = false
  private data = ''
  private dataBytes = 0
  private eventType: string | undefined
  private lastEventId: string | undefined
  private readonly maxLineBytes: number
  private readonly onEvent: (event: SseEvent) => void

  constructor (maxLineBytes: number, onEvent: (event: SseEvent) => void) {
    this.maxLineBytes = maxLineBytes
    this.onEvent = onEvent
  }

  /** Feeds bytes of the response body; events complete in them are dispatched in order. */
  push (chunk: Buffer): void {
    if (this.isDone) return
    let buf = chunk
    let offset = 0
    if (this.isStreamStart) {
      if (this.pending !== undefined) buf = Buffer.concat([this.pending, chunk])
      this.pending = undefined
      // §9.2.6: one leading U+FEFF BYTE ORDER MARK is skipped
      const length = Math.min(buf.length, BOM.length)
      let matched = 0
      while (matched < length && buf[matched] === BOM[matched]) matched++
      if (matched === buf.length && matched < BOM.length) {
        if (matched > 0) this.pending = Buffer.from(buf)
        return
      }
      this.isStreamStart = false
      if (matched === BOM.length) offset = matched
    } else if (this.pending !== undefined) {
      // only the line the tail began is joined: the rest of the chunk is read in place
      const end = firstLineEnd(chunk)
      if (end === -1) {
        this.checkLine(this.pending.length + chunk.length)
        this.pending = Buffer.concat([this.pending, chunk])
        return
      }
      const line = Buffer.concat([this.pending, chunk.subarray(0, end + 1)])
      this.pending = undefined
      this.readLines(line, 0)
      offset = end + 1
    }
    const tail = this.readLines(buf, offset)
    if (tail < buf.length) {
      this.checkLine(buf.length - tail)
      // a copy: the chunk may be a read buffer that the next read overwrites
      this.pending = Buffer.from(buf.subarray(tail))
    }
  }

  /** Interprets every complete line from `start`; returns where the incomplete tail begins. */
  private readLines (buf: Buffer, start: number): number {
    let offset = start
    if (this.shouldSkipLf && offset < buf.length) {
      // the LF of a CRLF whose CR ended the previous chunk
      this.shouldSkipLf = false
      if (buf[offset] === LF) offset++
    }
    let lf = buf.indexOf(LF, offset)
    let cr = buf.indexOf(CR, offset)
    for (;;) {
      if (lf !== -1 && lf < offset) lf = buf.indexOf(LF, offset)
      if (cr !== -1 && cr < offset) cr = buf.indexOf(CR, offset)
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr
      if (end === -1) return offset
      this.checkLine(end - offset)
      this.readLine(buf, offset, end)
      offset = end + 1
      if (end === cr) {
        // §9.2.6: a line ends with CRLF, LF or CR; a CR that ends the chunk ends its line now
        if (offset === buf.length) this.shouldSkipLf = true
        else if (buf[offset] === LF) offset++
      }
    }
  }

  /** §9.2.6: one line, from `start` up to its line end at `end`. */
  private readLine (buf: Buffer, start: number, end: number): void {
    if (start === end) {
      this.dispatch()
      return
    }
    let nameEnd = start
    while (nameEnd < end && buf[nameEnd] !== COLON) nameEnd++
    // a line that starts with a colon is a comment
    if (nameEnd === start) return
    // without a colon the whole line is the field name and the value is empty; else one leading space is dropped
    const valueStart = nameEnd === end ? end : buf[nameEnd + 1] === SPACE ? nameEnd + 2 : nameEnd + 1
    if (isName(buf, start, nameEnd, DATA)) {
      this.appendData(buf, valueStart, end)
    } else if (isName(buf, start, nameEnd, ID)) {
      if (!hasNul(buf, valueStart, end)) this.lastEventId = buf.toString('utf8', valueStart, end)
    } else if (isName(buf, start, nameEnd, EVENT)) {
      this.eventType = valueStart === end ? undefined : buf.toString('utf8', valueStart, end)
    }
    // `retry` (the reconnection time) is ignored, the session reconnects on its own schedule; unknown fields are ignored
  }

  /** §9.2.6 "data": the value and an LF are appended to the data buffer (the LF is added here when a next value comes). */
  private appendData (buf: Buffer, start: number, end: number): void {
    this.dataBytes += (this.hasData ? 1 : 0) + end - start
    if (this.dataBytes > this.maxLineBytes) this.fail(`event data above the ${this.maxLineBytes}-byte limit`)
    const value = buf.toString('utf8', start, end)
    this.data = this.hasData ? `${this.data}\n${value}` : value
    this.hasData = true
  }

  /** §9.2.6 "dispatch the event": an empty data buffer dispatches nothing; both buffers are reset either way. */
  private dispatch (): void {
    const event = this.eventType
    this.eventType = undefined
    if (!this.hasData) return
    const data = this.data
    this.data = ''
    this.dataBytes = 0
    this.hasData = false
    this.onEvent({ event, data, id: this.lastEventId })
  }

  private checkLine (lineBytes: number): void {
    if (lineBytes > this.maxLineBytes) this.fail(`a line above the ${this.maxLineBytes}-byte limit`)
  }

  private fail (message: string): never {
    this.isDone = true
    this.pending = undefined
    throw new errors.BENCH_ERR_PROTOCOL('sse', message)
  }
}

/** Index of the first CR or LF, or -1. */
function firstLineEnd (buf: Buffer): number {
  const lf = buf.indexOf(LF)
  const cr = buf.indexOf(CR)
  return cr === -1 || (lf !== -1 && lf < cr) ? lf : cr
}

/** True when the bytes from `start` to `end` are exactly `name`. */
function isName (buf: Buffer, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false
  return true
}

/** True when a U+0000 NULL (its only UTF-8 form is the byte 0) lies between `start` and `end`. */
function hasNul (buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true
  return false
}
