import { describe, expect, it } from 'vitest'
import type { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { mulberry32 } from '../core/random.ts'
import { closeBody, encodeClientFrame, FrameReader, OPCODE } from './ws-frames.ts'
import { handshakeProblem } from './ws.ts'

// the ws package's own frame writer and reader (untyped in @types/ws): the independent witness of RFC 6455 framing
const ws = createRequire(import.meta.url)('ws') as {
  Sender: { frame: (data: Buffer, options: object) => Buffer[] }
  Receiver: new (options: { isServer: boolean, maxPayload: number }) => EventEmitter & { write: (chunk: Buffer) => boolean }
}

interface Seen {
  texts: string[]
  pings: string[]
  close?: { code: number, reason: string }
  error?: { code: number, message: string }
}

function reader (maxPayload = 1 << 20): { reader: FrameReader, seen: Seen } {
  const seen: Seen = { texts: [], pings: [] }
  return {
    seen,
    reader: new FrameReader(maxPayload, {
      text: (payload) => seen.texts.push(payload.toString('utf8')),
      ping: (payload) => seen.pings.push(payload.toString('utf8')),
      close: (code, reason) => { seen.close = { code, reason } },
      error: (code, message) => { seen.error = { code, message } },
    }),
  }
}

/** A server frame as the `ws` library writes it (unmasked), the independent witness of the wire format. */
function serverFrame (opcode: number, payload: Buffer, fin = true): Buffer {
  return Buffer.concat(ws.Sender.frame(payload, { fin, rsv1: false, opcode, mask: false, readOnly: true }))
}

/** Feeds `bytes` in pieces cut at random places, reusing one buffer for every piece as a socket's shared read buffer does. */
function feedInPieces (r: FrameReader, bytes: Buffer, random: () => number): void {
  const shared = Buffer.alloc(bytes.length)
  for (let at = 0; at < bytes.length;) {
    const size = Math.min(bytes.length - at, 1 + Math.floor(random() * 300))
    bytes.copy(shared, 0, at, at + size)
    r.push(shared.subarray(0, size))
    shared.fill(0xee, 0, size) // what the next read would overwrite
    at += size
  }
}

describe('FrameReader', () => {
  it('reads text messages of every length form, fragmented or whole, with pings between, from any split of the stream', () => {
    const random = mulberry32(7)
    for (let trial = 0; trial < 200; trial++) {
      const { reader: r, seen } = reader()
      const texts: string[] = []
      const pings: string[] = []
      const parts: Buffer[] = []
      for (let m = 0; m < 5; m++) {
        const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]
        const length = random() < 0.3 ? lengths[Math.floor(random() * lengths.length)] as number : Math.floor(random() * 400)
        const text = 'é' + 'x'.repeat(length) + String(m)
        texts.push(text)
        const bytes = Buffer.from(text)
        if (random() < 0.4) {
          // fragmented, a ping inside
          const cut = Math.floor(random() * bytes.length)
          parts.push(serverFrame(OPCODE.text, bytes.subarray(0, cut), false))
          const ping = `p${trial}-${m}`
          pings.push(ping)
          parts.push(serverFrame(OPCODE.ping, Buffer.from(ping)))
          parts.push(serverFrame(OPCODE.continuation, bytes.subarray(cut)))
        } else {
          parts.push(serverFrame(OPCODE.text, bytes))
        }
      }
      parts.push(serverFrame(OPCODE.close, closeBody(1001, 'going away')))
      feedInPieces(r, Buffer.concat(parts), random)
      expect(seen.error).toBeUndefined()
      expect(seen.texts).toEqual(texts)
      expect(seen.pings).toEqual(pings)
      expect(seen.close).toEqual({ code: 1001, reason: 'going away' })
    }
  })

  it('a close frame without a body reads as 1005, and nothing after a close is read', () => {
    const { reader: r, seen } = reader()
    r.push(Buffer.concat([serverFrame(OPCODE.close, Buffer.alloc(0)), serverFrame(OPCODE.text, Buffer.from('late'))]))
    expect(seen.close).toEqual({ code: 1005, reason: '' })
    expect(seen.texts).toEqual([])
  })

  it.each([
    ['a masked server frame', () => Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61]), 1002, /masked/],
    ['RSV1 without an extension', () => Buffer.from([0xc1, 0x01, 0x61]), 1002, /RSV/],
    ['a ping of 126 bytes', () => Buffer.concat([Buffer.from([0x89, 0x7e, 0x00, 0x7e]), Buffer.alloc(126)]), 1002, /control frame/],
    ['a fragmented ping', () => Buffer.from([0x09, 0x00]), 1002, /control frame/],
    ['a continuation with nothing to continue', () => Buffer.from([0x80, 0x01, 0x61]), 1002, /continuation/],
    ['a new text frame inside a fragmented message', () => Buffer.from([0x01, 0x01, 0x61, 0x81, 0x01, 0x62]), 1002, /inside a fragmented/],
    ['a binary frame', () => Buffer.from([0x82, 0x01, 0x00]), 1003, /binary/],
    ['an unknown opcode', () => Buffer.from([0x83, 0x00]), 1002, /opcode 0x3/],
    ['a message above the limit', () => Buffer.from([0x81, 0x7e, 0x04, 0x01]), 1009, /1024-byte limit/],
    ['fragments adding up above the limit', () => Buffer.concat([Buffer.from([0x01, 0x7e, 0x02, 0x00]), Buffer.alloc(512), Buffer.from([0x80, 0x7e, 0x02, 0x01])]), 1009, /limit/],
    ['a 1-byte close body', () => Buffer.from([0x88, 0x01, 0x03]), 1002, /1-byte/],
  ])('%s is a protocol error with close code %i, and reading stops', (_name, bytes, code, message) => {
    const { reader: r, seen } = reader(1024)
    r.push(bytes())
    r.push(serverFrame(OPCODE.text, Buffer.from('after')))
    expect(seen.error?.code).toBe(code)
    expect(seen.error?.message).toMatch(message)
    expect(seen.texts).toEqual([])
  })

  it('a 64-bit length above 2^53 is refused before any payload arrives', () => {
    const { reader: r, seen } = reader()
    r.push(Buffer.from([0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]))
    expect(seen.error?.code).toBe(1009)
  })
})

describe('encodeClientFrame', () => {
  it('writes masked frames the ws library\'s server-side receiver reads back, at every length form', async () => {
    const received: string[] = []
    const receiver = new ws.Receiver({ isServer: true, maxPayload: 1 << 20 })
    receiver.on('message', (data: Buffer) => received.push(data.toString('utf8')))
    const texts = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(65_535), 'w'.repeat(65_536), 'ünïcode ✓']
    for (const text of texts) receiver.write(encodeClientFrame(OPCODE.text, Buffer.from(text)))
    await new Promise((resolve) => setImmediate(resolve))
    expect(received).toEqual(texts)
    // every frame has the mask bit and a mask that is not all zeros in 1,024 frames
    const masks = new Set<string>()
    for (let i = 0; i < 1_024; i++) {
      const frame = encodeClientFrame(OPCODE.pong, Buffer.from('p'))
      expect(frame[1]! & 0x80).toBe(0x80)
      masks.add(frame.subarray(2, 6).toString('hex'))
    }
    expect(masks.size).toBeGreaterThan(1_000)
  })
})

describe('handshakeProblem', () => {
  // RFC 6455 §1.3's worked example
  const key = 'dGhlIHNhbXBsZSBub25jZQ=='
  const good = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='

  it('accepts the RFC\'s example answer', () => {
    expect(handshakeProblem(good, key)).toBeUndefined()
  })

  it.each([
    ['a 404', good.replace('101 Switching Protocols', '404 Not Found'), /404 Not Found/],
    ['no Upgrade header', good.replace('Upgrade: websocket\r\n', ''), /Upgrade: websocket/],
    ['no Connection: Upgrade', good.replace('Connection: Upgrade', 'Connection: keep-alive'), /Connection: Upgrade/],
    ['a wrong accept', good.replace('s3pP', 'AAAA'), /Accept does not match/],
    ['an extension not offered', good + '\r\nSec-WebSocket-Extensions: permessage-deflate', /extension/],
  ])('refuses %s', (_name, head, message) => {
    expect(handshakeProblem(head, key)).toMatch(message)
  })
})
