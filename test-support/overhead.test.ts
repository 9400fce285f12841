import { describe, expect, it } from 'vitest'
import {
  chunkBytes, httpHeadBytes, HTTP_DATE_BYTES, pollBodyBytes, pollRequestBytes, pollResponseBytes, sseChunkedEventBytes, sseEventBytes,
  sseHeartbeatBytes, upstreamAnswerBytes, upstreamJsonBytes, upstreamMessageBytes, upstreamRequestBytes, wsFrameBytes, wsHeartbeatBytes,
} from './overhead.ts'

describe('overhead calculator', () => {
  // README.md, "What it measures": WebSocket frame sizes (RFC 6455 §5.2)
  it.each([
    [0, 2, 6],
    [125, 127, 131],
    [126, 130, 134],
    [65535, 65539, 65543],
    [65536, 65546, 65550],
  ])('ws: a %i-byte payload is %i bytes server → client and %i bytes client → server (masked)', (payload, down, up) => {
    expect(wsFrameBytes(payload, 'server-to-client')).toBe(down)
    expect(wsFrameBytes(payload, 'client-to-server')).toBe(up)
  })

  it('ws: rejects a negative or fractional payload size', () => {
    expect(() => wsFrameBytes(-1, 'server-to-client')).toThrow(RangeError)
    expect(() => wsFrameBytes(1.5, 'client-to-server')).toThrow(RangeError)
  })

  it('sse: an event is exactly the text the server formats, and its chunk adds the hex size line and two CRLFs', () => {
    const json = '{"seq":42}'
    const event = `id: 42\ndata: ${json}\n\n`
    expect(sseEventBytes(42, json.length)).toBe(event.length)
    const chunk = `${event.length.toString(16)}\r\n${event}\r\n`
    expect(sseChunkedEventBytes(42, json.length)).toBe(chunk.length)
  })

  it('chunked encoding: the size line grows by one hex digit at 16, 256 and 4096 bytes of data', () => {
    expect(chunkBytes(15) - 15).toBe(5)
    expect(chunkBytes(16) - 16).toBe(6)
    expect(chunkBytes(255) - 255).toBe(6)
    expect(chunkBytes(256) - 256).toBe(7)
    expect(chunkBytes(4096) - 4096).toBe(8)
  })

  it('http: a head is the start line and header lines with CRLF, then an empty line', () => {
    const text = 'GET / HTTP/1.1\r\nhost: a\r\nx: 12\r\n\r\n'
    expect(httpHeadBytes('GET / HTTP/1.1', [['host', 'a'], ['x', 12]])).toBe(text.length)
  })

  it('poll: the request is the head undici writes for a GET', () => {
    const target = '/poll?client=c0&stream=feed&cursor=9&epoch=6cd81060'
    const text = `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:43363\r\nconnection: keep-alive\r\n\r\n`
    expect(pollRequestBytes(target, '127.0.0.1:43363')).toBe(text.length)
  })

  it('poll: an answer matches a captured Fastify answer byte for byte in length, with and without a hold header', () => {
    const body = '{"epoch":"6cd81060","cursor":12,"messages":[]}'
    const date = 'Thu, 26 Nov 2026 12:30:31 GMT'
    expect(date.length).toBe(HTTP_DATE_BYTES)
    const tail = `x-feedbench-max-messages: 10000\r\ncontent-length: ${body.length}\r\nDate: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n${body}`
    const poll = `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-cache\r\n${tail}`
    expect(pollResponseBytes(body.length, { maxMessages: 10_000 })).toBe(poll.length)
    const longPoll = `HTTP/1.1 200 OK\r\nx-feedbench-wait-ms: 25000\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-cache\r\n${tail}`
    expect(pollResponseBytes(body.length, { waitMs: 25_000, maxMessages: 10_000 })).toBe(longPoll.length)
  })

  it('poll: a body is the batch JSON with commas between envelopes', () => {
    const a = '{"seq":1}'
    const b = '{"seq":22}'
    expect(pollBodyBytes('ab', 22, [])).toBe('{"epoch":"ab","cursor":22,"messages":[]}'.length)
    expect(pollBodyBytes('ab', 22, [a.length, b.length])).toBe(`{"epoch":"ab","cursor":22,"messages":[${a},${b}]}`.length)
  })

  it('upstream: a message is the JSON text JSON.stringify writes, whatever the digits of seq and tSchedUs', () => {
    expect(upstreamJsonBytes('c0', 1, 5, 1)).toBe('{"client":"c0","seq":1,"tSchedUs":5,"payload":"x"}'.length)
    const payload = 'Ab-_9'.repeat(25)
    const json = JSON.stringify({ client: 'c17', seq: 1234, tSchedUs: 9_876_543_210_123, payload })
    expect(upstreamJsonBytes('c17', 1234, 9_876_543_210_123, payload.length)).toBe(json.length)
  })

  it('upstream: a POST matches a captured undici request, content-length after the request headers', () => {
    const body = '{"client":"c0","seq":1,"tSchedUs":5,"payload":"x"}'
    const text = 'POST /upstream HTTP/1.1\r\nhost: 127.0.0.1:35425\r\nconnection: keep-alive\r\n' +
      `content-type: application/json\r\ncontent-length: 50\r\n\r\n${body}`
    expect(upstreamRequestBytes(body.length, '127.0.0.1:35425')).toBe(text.length)
  })

  it('upstream: the answer matches a captured Fastify 204, which has no content-length and no body', () => {
    const text = 'HTTP/1.1 204 No Content\r\nDate: Thu, 26 Nov 2026 14:26:54 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n'
    expect(upstreamAnswerBytes()).toBe(text.length)
    expect(upstreamAnswerBytes(5)).toBe(text.length - 1)
  })

  it.each([
    [77, 6],
    [125, 6],
    [126, 8],
    [65535, 8],
    [65536, 14],
  ])('ws upstream: a %i-byte message is one masked frame with a %i-byte header and nothing comes back', (json, header) => {
    expect(upstreamMessageBytes.ws(json)).toEqual({ clientToServer: json + header, serverToClient: 0 })
  })

  it.each(['sse', 'long-poll', 'poll'] as const)('%s upstream: one POST up and its 204 down per message', (name) => {
    expect(upstreamMessageBytes[name](80, '127.0.0.1:1')).toEqual({ clientToServer: upstreamRequestBytes(80, '127.0.0.1:1'), serverToClient: upstreamAnswerBytes() })
  })

  it('ws heartbeat: an empty ping is 2 bytes down and its masked pong 6 bytes up; 125 bytes is the control-frame limit', () => {
    expect(wsHeartbeatBytes()).toEqual({ serverToClient: 2, clientToServer: 6 })
    expect(wsHeartbeatBytes(125)).toEqual({ serverToClient: 127, clientToServer: 131 })
    expect(() => wsHeartbeatBytes(126)).toThrow(RangeError)
  })

  it('sse heartbeat: the empty comment `:\\n\\n` is an 8-byte chunk, a comment with text adds its bytes', () => {
    expect(sseHeartbeatBytes()).toEqual({ serverToClient: '3\r\n:\n\n\r\n'.length, clientToServer: 0 })
    expect(sseHeartbeatBytes().serverToClient).toBe(8)
    expect(sseHeartbeatBytes('keep-alive').serverToClient).toBe('d\r\n:keep-alive\n\n\r\n'.length)
  })
})
