import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ResponseParser, parseResponseHead } from './http1-client.ts'

const SEED = 0x4771

interface Seen { status: number, type: string, body: Buffer[], ends: number, errors: number }

function parserOf (): { parser: ResponseParser, seen: Seen } {
  const seen: Seen = { status: 0, type: '', body: [], ends: 0, errors: 0 }
  const parser = new ResponseParser({
    onHead (status, type) { seen.status = status; seen.type = type },
    onData (chunk) { seen.body.push(Buffer.from(chunk)) },
    onEnd () { seen.ends++ },
    onError () { seen.errors++ },
  })
  return { parser, seen }
}

/** Feeds `wire` split at `cuts`; returns what the parser returned for the last piece. */
function feedSplit (parser: ResponseParser, wire: Buffer, cuts: readonly number[]): Buffer | null {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b)
  let last: Buffer | null = null
  let from = 0
  for (const to of [...points, wire.length]) {
    if (to < from) continue
    last = parser.feed(wire.subarray(from, to))
    from = to
    if (last !== null) break
  }
  return last
}

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
const fieldValue = fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim())

/** A response the suite's servers could send, framed one of three ways, with the bytes of its body. */
const response = fc.record({
  status: fc.constantFrom(200, 201, 400, 404, 409, 500, 503),
  type: fc.constantFrom('application/json; charset=utf-8', 'text/event-stream', 'text/plain'),
  extra: fc.array(fc.tuple(token.filter((t) => !/^(content-length|transfer-encoding|connection|content-type)$/i.test(t)), fieldValue), { maxLength: 6 }),
  body: fc.uint8Array({ maxLength: 3000 }),
  framing: fc.constantFrom('length', 'chunked', 'close'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
  extension: fc.boolean(),
  interim: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
})

type Response = typeof response extends fc.Arbitrary<infer T> ? T : never

function wireOf (r: Response): Buffer {
  const head = [`HTTP/1.1 ${r.status} X`, `Content-Type: ${r.type}`, ...r.extra.map(([k, v]) => `${k}: ${v}`)]
  const body = Buffer.from(r.body)
  const parts: Buffer[] = []
  if (r.interim) parts.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'))
  if (r.framing === 'length') {
    parts.push(Buffer.from([...head, `Content-Length: ${body.length}`].join('\r\n') + '\r\n\r\n'), body)
  } else if (r.framing === 'chunked') {
    parts.push(Buffer.from([...head, 'Transfer-Encoding: chunked'].join('\r\n') + '\r\n\r\n'))
    let at = 0
    for (let i = 0; at < body.length; i++) {
      const size = Math.min(r.chunkSizes[i % r.chunkSizes.length] as number, body.length - at)
      parts.push(Buffer.from(`${size.toString(16)}${r.extension ? ';ext=1' : ''}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'))
      at += size
    }
    parts.push(Buffer.from('0\r\n\r\n'))
  } else {
    parts.push(Buffer.from([...head, 'Connection: close'].join('\r\n') + '\r\n\r\n'), body)
  }
  return Buffer.concat(parts)
}

describe('the load generator\'s HTTP/1.1 response parser', () => {
  it('delivers status, content type and the exact body of any framing, however the bytes are split', () => {
    fc.assert(fc.property(response, (r) => {
      const { parser, seen } = parserOf()
      const rest = feedSplit(parser, wireOf(r), r.cuts)
      if (r.framing === 'close') {
        expect(rest).toBeNull()
        expect(parser.end()).toBe(true)
      } else {
        expect(rest?.length).toBe(0)
      }
      expect(seen.status).toBe(r.status)
      expect(seen.type).toBe(r.type)
      expect(Buffer.concat(seen.body).equals(Buffer.from(r.body))).toBe(true)
      expect(seen.ends).toBe(1)
      expect(parser.keepAlive).toBe(r.framing !== 'close')
    }), { seed: SEED, numRuns: 400 })
  })

  it('a response cut short is never complete: end() says so', () => {
    fc.assert(fc.property(response.filter((r) => r.framing !== 'close' && r.body.length > 0), fc.nat(), (r, cut) => {
      const wire = wireOf(r)
      const { parser, seen } = parserOf()
      parser.feed(wire.subarray(0, cut % wire.length))
      expect(parser.end()).toBe(false)
      expect(seen.ends).toBe(0)
    }), { seed: SEED, numRuns: 200 })
  })

  it('garbage is refused with BENCH_ERR_PROTOCOL or waited for; it never completes a response or throws anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const { parser, seen } = parserOf()
      try {
        parser.feed(Buffer.from(bytes))
      } catch (err) {
        expect((err as { code?: string }).code).toBe('BENCH_ERR_PROTOCOL')
      }
      expect(seen.ends).toBe(0)
    }), { seed: SEED, numRuns: 500 })
  })

  it('no body for 204 and 304; chunked wins over Content-Length; Connection: close ends keep-alive', () => {
    expect(parseResponseHead('HTTP/1.1 204 No Content\r\nContent-Length: 5').framing).toEqual({ kind: 'length', left: 0 })
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked').framing).toEqual({ kind: 'chunked' })
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close').keepAlive).toBe(false)
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nContent-Length: 5').keepAlive).toBe(false)
    expect(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6')).toThrow(/content-length/)
    expect(() => parseResponseHead('HTTP/2 200')).toThrow(/status line/)
  })
})
