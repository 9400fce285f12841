import { randomFillSync } from 'node:crypto'

/** RFC 6455 §5.2 opcodes. */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const

/** What a frame reader hands on: whole text messages, pings to answer, the peer's close, or a protocol error. */
export interface FrameEvents {
  /** One complete text message (fragments joined), as UTF-8 bytes. */
  text: (payload: Buffer) => void
  /** A ping; the reader's owner answers with a pong carrying the same payload (RFC 6455 §5.5.2). */
  ping: (payload: Buffer) => void
  /** The peer's close frame: its status code (1005 when it carried none) and reason. */
  close: (code: number, reason: string) => void
  /** The peer broke the protocol: the close code to send (1002, 1007 or 1009) and why. */
  error: (code: number, message: string) => void
}

/**
 * Reads the unmasked frames a WebSocket server sends (RFC 6455 §5), without extensions: a lean
 * replacement for the `ws` library's Receiver on the load generator's side, where a delivery costs one
 * call instead of a Writable stream's write, callback and event chain. Chunks are parsed in place and
 * may be reused by the caller once push returns: only a frame split across chunks is kept, as a copy. After an error or a close frame it reads nothing more.
 */
export class FrameReader {
  private pending: Buffer | undefined
  private fragments: Buffer[] = []
  private fragmentBytes = 0
  private isDone = false
  private readonly maxPayload: number
  private readonly events: FrameEvents

  constructor (maxPayload: number, events: FrameEvents) {
    this.maxPayload = maxPayload
    this.events = events
  }

  /** Feeds bytes read from the socket; frames complete in them are handed on in order. */
  push (chunk: Buffer): void {
    if (this.isDone) return
    let buf = chunk
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk])
      this.pending = undefined
    }
    let offset = 0
    while (!this.isDone) {
      const used = this.readFrame(buf, offset)
      if (used === 0) break
      offset += used
    }
    // a copy: the chunk may be a read buffer that the next read overwrites
    if (!this.isDone && offset < buf.length) this.pending = Buffer.from(buf.subarray(offset))
  }

  /** Parses one frame at `offset`; returns the bytes it took, or 0 when the frame is not complete yet. */
  private readFrame (buf: Buffer, offset: number): number {
    const available = buf.length - offset
    if (available < 2) return 0
    const b0 = buf[offset] as number
    const b1 = buf[offset + 1] as number
    const isFin = (b0 & 0x80) !== 0
    const opcode = b0 & 0x0f
    let length = b1 & 0x7f
    let head = 2
    if ((b0 & 0x70) !== 0) return this.fail(1002, 'RSV bits set without a negotiated extension')
    if ((b1 & 0x80) !== 0) return this.fail(1002, 'a server frame must not be masked')
    if (length === 126) {
      if (available < 4) return 0
      length = buf.readUInt16BE(offset + 2)
      head = 4
    } else if (length === 127) {
      if (available < 10) return 0
      const high = buf.readUInt32BE(offset + 2)
      if (high > 0x1fffff) return this.fail(1009, 'frame length above 2^53 − 1')
      length = high * 0x1_0000_0000 + buf.readUInt32BE(offset + 6)
      head = 10
    }
    const isControl = opcode >= 0x8
    if (isControl && (!isFin || length > 125)) return this.fail(1002, 'a control frame must be whole and at most 125 bytes')
    if (!isControl && this.fragmentBytes + length > this.maxPayload) return this.fail(1009, `message above the ${this.maxPayload}-byte limit`)
    if (available < head + length) return 0
    const payload = buf.subarray(offset + head, offset + head + length)
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.continuation: {
        const isStart = opcode === OPCODE.text
        if (isStart === (this.fragments.length > 0)) return this.fail(1002, isStart ? 'a new message inside a fragmented one' : 'a continuation frame with no message to continue')
        if (isFin && isStart) {
          this.events.text(payload)
        } else if (isFin) {
          this.fragments.push(payload)
          const whole = Buffer.concat(this.fragments, this.fragmentBytes + length)
          this.fragments = []
          this.fragmentBytes = 0
          this.events.text(whole)
        } else {
          // held past this chunk: copied, the chunk's memory may be reused
          this.fragments.push(Buffer.from(payload))
          this.fragmentBytes += length
        }
        break
      }
      case OPCODE.ping:
        this.events.ping(Buffer.from(payload))
        break
      case OPCODE.pong:
        break
      case OPCODE.close: {
        if (length === 1) return this.fail(1002, 'a close frame with a 1-byte body')
        this.isDone = true
        const code = length >= 2 ? payload.readUInt16BE(0) : 1005
        this.events.close(code, payload.subarray(2).toString('utf8'))
        break
      }
      case OPCODE.binary:
        return this.fail(1003, 'binary frame received; the feed sends text frames')
      default:
        return this.fail(1002, `unknown opcode 0x${opcode.toString(16)}`)
    }
    return head + length
  }

  private fail (code: number, message: string): 0 {
    this.isDone = true
    this.pending = undefined
    this.events.error(code, message)
    return 0
  }
}

const maskPool = Buffer.alloc(4 * 1024)
let maskOffset = maskPool.length

/** One client frame (RFC 6455 §5.3: masked with a fresh random key), FIN set. */
export function encodeClientFrame (opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(head + 4 + length)
  frame[0] = 0x80 | opcode
  if (head === 2) {
    frame[1] = 0x80 | length
  } else if (head === 4) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  if (maskOffset === maskPool.length) {
    randomFillSync(maskPool)
    maskOffset = 0
  }
  maskPool.copy(frame, head, maskOffset, maskOffset + 4)
  maskOffset += 4
  for (let i = 0; i < length; i++) frame[head + 4 + i] = (payload[i] as number) ^ (frame[head + (i & 3)] as number)
  return frame
}

/** A close frame's body: status code and UTF-8 reason. */
export function closeBody (code: number, reason = ''): Buffer {
  const body = Buffer.allocUnsafe(2 + Buffer.byteLength(reason))
  body.writeUInt16BE(code, 0)
  body.write(reason, 2)
  return body
}
