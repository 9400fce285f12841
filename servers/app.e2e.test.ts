import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import WebSocket from 'ws'
import type { Envelope, GapNotice, PollBatch } from '../core/envelope.ts'
import type { RunStopped, ServerInfo, ServerStats } from '../core/control.ts'
import { resolveScenario, type ScenarioOptions } from '../core/config.ts'
import { nowUs } from '../core/clock.ts'
import { PATHS, TRANSPORT_NAMES } from '../core/wire-protocol.ts'
import { createServer, type FeedbenchServer } from './app.ts'

const servers: FeedbenchServer[] = []
const cleanups: Array<() => void> = []

async function start (options: Partial<ScenarioOptions> = {}): Promise<{ server: FeedbenchServer, url: string }> {
  const config = resolveScenario({ name: 'e2e', pattern: 'chat', clients: 4, ringSize: 16, ...options, transports: { longPoll: { holdMs: 1_000 }, ...options.transports } })
  const server = createServer({ config, transports: TRANSPORT_NAMES })
  servers.push(server)
  const url = await server.listen(0)
  return { server, url }
}

/** Publishes n chat lines to 'feed' (the run must be active), seqs continuing from the last one. */
function publish (server: FeedbenchServer, n: number, payload = 'line'): void {
  for (let i = 0; i < n; i++) server.hub.upstream({ client: 'c0', seq: i + 1, tSchedUs: nowUs(), payload })
}

function q (client = 'c0', extra = ''): string {
  return `client=${client}&stream=feed${extra}`
}

function openWs (url: string, query: string): { ws: WebSocket, frames: Array<Envelope | GapNotice> } {
  const ws = new WebSocket(`${url.replace('http', 'ws')}${PATHS.ws}?${query}`, { perMessageDeflate: false })
  const frames: Array<Envelope | GapNotice> = []
  ws.on('message', (data) => { frames.push(JSON.parse(data.toString())) })
  ws.on('error', () => {})
  cleanups.push(() => ws.terminate())
  return { ws, frames }
}

async function until (predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Opens an SSE stream and collects its raw text. */
async function openSse (url: string, query: string, headers: Record<string, string> = {}): Promise<{ statusCode: number, headers: Record<string, unknown>, text: () => string, ended: Promise<void> }> {
  const res = await request(`${url}${PATHS.sse}?${query}`, { headers })
  let text = ''
  res.body.setEncoding('utf8')
  res.body.on('data', (chunk: string) => { text += chunk })
  const ended = new Promise<void>((resolve) => { res.body.once('end', resolve); res.body.once('error', () => resolve()) })
  cleanups.push(() => res.body.destroy())
  return { statusCode: res.statusCode, headers: res.headers, text: () => text, ended }
}

function sseIds (text: string): number[] {
  return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
}

async function getJson<T> (url: string): Promise<{ status: number, headers: Headers, body: T }> {
  const res = await fetch(url)
  return { status: res.status, headers: res.headers, body: await res.json() as T }
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  await Promise.all(servers.splice(0).map(async (s) => { await s.app.close() }))
})

describe('servers over 127.0.0.1', () => {
  it('ws: delivers envelopes as text frames and publishes upstream chat frames to everyone', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    const a = openWs(url, q('c0'))
    const b = openWs(url, q('c1'))
    await Promise.all([once(a.ws, 'open'), once(b.ws, 'open')])
    a.ws.send(JSON.stringify({ client: 'c0', seq: 1, tSchedUs: 123, payload: 'hi' }))
    await until(() => b.frames.length === 1 && a.frames.length === 1)
    expect(b.frames[0]).toEqual({ stream: 'feed', epoch: server.hub.epoch, seq: 1, tSchedUs: 123, tSendUs: expect.any(Number), payload: 'hi' })
  })

  it('ws: resumes after=N with N+1…, and a wrong epoch replays the ring after a gap notice', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    publish(server, 20)
    const resumed = openWs(url, q('c0', '&after=17'))
    await until(() => resumed.frames.length === 3)
    expect(resumed.frames.map((f) => 'seq' in f && f.seq)).toEqual([18, 19, 20])
    const reset = openWs(url, q('c1', '&after=17&epoch=oldepoch'))
    await until(() => reset.frames.length === 17)
    expect(reset.frames[0]).toEqual({ gap: true, stream: 'feed', epoch: server.hub.epoch, fromSeq: 1, toSeq: 4 })
    expect(reset.frames.slice(1).map((f) => 'seq' in f && f.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 5))
  })

  it('ws: closes 1007 on invalid JSON and 1008 on a malformed upstream message, and counts them', async () => {
    const { url } = await start()
    const bad = openWs(url, q('c0'))
    await once(bad.ws, 'open')
    bad.ws.send('{not json')
    const [code] = await once(bad.ws, 'close') as [number]
    expect(code).toBe(1007)
    const wrong = openWs(url, q('c1'))
    await once(wrong.ws, 'open')
    wrong.ws.send(JSON.stringify({ client: 'c0', seq: 1, tSchedUs: 1, payload: 'spoofed' }))
    const [code2] = await once(wrong.ws, 'close') as [number]
    expect(code2).toBe(1008)
    const stats = await getJson<ServerStats>(url + PATHS.controlStats)
    expect(stats.body.protocolErrors).toBe(2)
  })

  it('rejects a bad client, stream or resume point with 400 and a coded error, without holding', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    publish(server, 3)
    const bad = ['cursor=4', 'cursor=-1', 'cursor=1.5', 'cursor=abc', 'cursor=99999999999999999999']
    for (const path of [PATHS.longPoll, PATHS.poll]) {
      for (const cursor of bad) {
        const res = await getJson<{ code: string }>(`${url}${path}?${q('c0', '&' + cursor)}`)
        expect([res.status, res.body.code]).toEqual([400, 'BENCH_ERR_BAD_REQUEST'])
      }
      expect((await fetch(`${url}${path}?client=c0&stream=to-c0&cursor=0`)).status).toBe(400)
      expect((await fetch(`${url}${path}?client=bad%20id&stream=feed&cursor=0`)).status).toBe(400)
    }
    const sse = await request(`${url}${PATHS.sse}?${q()}`, { headers: { 'last-event-id': '9' } })
    expect([sse.statusCode, (await sse.body.json() as { code: string }).code]).toEqual([400, 'BENCH_ERR_BAD_REQUEST'])
    const ws = openWs(url, q('c0', '&after=x'))
    const [, response] = await once(ws.ws, 'unexpected-response') as [unknown, { statusCode: number }]
    expect(response.statusCode).toBe(400)
  })

  it('sse: resumes from Last-Event-ID with exactly N+1…, event ids = seq, no-cache headers', async () => {
    const { server, url } = await start({ ringSize: 64 })
    server.hub.run(60_000)
    publish(server, 10)
    const sse = await openSse(url, q(), { 'last-event-id': '6' })
    expect(sse.statusCode).toBe(200)
    expect(sse.headers['content-type']).toBe('text/event-stream')
    expect(sse.headers['cache-control']).toBe('no-cache')
    publish(server, 2)
    await until(() => sseIds(sse.text()).length === 6)
    expect(sseIds(sse.text())).toEqual([7, 8, 9, 10, 11, 12])
    expect(sse.text().startsWith(': ok\n\n')).toBe(true)
    const line = sse.text().split('\n').find((l) => l.startsWith('data: '))
    expect(JSON.parse(line?.slice(6) ?? '')).toMatchObject({ stream: 'feed', seq: 7, epoch: server.hub.epoch })
  })

  it('sse: an evicted Last-Event-ID gets an event: gap with the exact range before the ring', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    publish(server, 30)
    const sse = await openSse(url, q(), { 'last-event-id': '2' })
    await until(() => sseIds(sse.text()).length === 16)
    const gap = /event: gap\ndata: (.*)\n\n/.exec(sse.text())
    expect(JSON.parse(gap?.[1] ?? '')).toEqual({ gap: true, stream: 'feed', epoch: server.hub.epoch, fromSeq: 3, toSeq: 14 })
    expect(sseIds(sse.text())[0]).toBe(15)
  })

  it('long-poll: answers at once with the batch after the cursor, or wakes on publish', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    publish(server, 3)
    const first = await getJson<PollBatch>(`${url}${PATHS.longPoll}?${q('c0', '&cursor=1')}`)
    expect(first.body.messages.map((m) => m.seq)).toEqual([2, 3])
    expect(first.body).toMatchObject({ epoch: server.hub.epoch, cursor: 3 })
    const held = getJson<PollBatch>(`${url}${PATHS.longPoll}?${q('c0', '&cursor=3')}`)
    await until(() => server.openConnections() === 1)
    publish(server, 1)
    const woken = await held
    expect(woken.body.messages.map((m) => m.seq)).toEqual([4])
    expect(woken.body.cursor).toBe(4)
  })

  it('long-poll: a hold timeout answers an empty 200 with cache-control no-cache and the effective wait', async () => {
    const { url } = await start()
    const noCursor = await getJson<PollBatch>(`${url}${PATHS.longPoll}?${q()}`)
    expect(noCursor.body).toEqual({ epoch: expect.any(String), cursor: 0, messages: [] })
    const res = await getJson<PollBatch>(`${url}${PATHS.longPoll}?${q('c0', '&cursor=0&wait=100000')}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('x-feedbench-wait-ms')).toBe('1000')
    expect(res.body).toEqual({ epoch: expect.any(String), cursor: 0, messages: [] })
  })

  it('long-poll: a second concurrent poll from the same client completes the first at once', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    const first = getJson<PollBatch>(`${url}${PATHS.longPoll}?${q('c0', '&cursor=0')}`)
    await until(() => server.openConnections() === 1)
    const second = getJson<PollBatch>(`${url}${PATHS.longPoll}?${q('c0', '&cursor=0')}`)
    expect((await first).body.messages).toEqual([])
    expect(server.openConnections()).toBe(1)
    publish(server, 1)
    expect((await second).body.messages.map((m) => m.seq)).toEqual([1])
  })

  it('poll: answers at once, with the ring after a stale epoch and the cursor to continue from', async () => {
    const { server, url } = await start()
    server.hub.run(60_000)
    publish(server, 20)
    const stale = await getJson<PollBatch>(`${url}${PATHS.poll}?${q('c0', '&cursor=18&epoch=previous')}`)
    expect(stale.body.gap).toEqual({ gap: true, stream: 'feed', epoch: server.hub.epoch, fromSeq: 1, toSeq: 4 })
    expect(stale.body.messages.map((m) => m.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 5))
    const empty = await getJson<PollBatch>(`${url}${PATHS.poll}?${q('c0', '&cursor=20')}`)
    expect(empty.body).toEqual({ epoch: server.hub.epoch, cursor: 20, messages: [] })
    expect(empty.headers.get('cache-control')).toBe('no-cache')
  })

  it('run: a measured window must start before it ends; an inverted or malformed one is refused before any run', async () => {
    const { url, server } = await start({})
    const run = async (body: unknown): Promise<[number, string | undefined]> => {
      const res = await fetch(url + PATHS.controlRun, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return [res.status, (await res.json() as { code?: string }).code]
    }
    expect(await run({ durationMs: 1_000, window: { startMs: 500, endMs: 500 } })).toEqual([400, 'BENCH_ERR_BAD_REQUEST'])
    expect((await run({ durationMs: 1_000, window: { startMs: -1, endMs: 500 } }))[0]).toBe(400)
    expect((await run({ durationMs: 1_000, window: { startMs: 0 } }))[0]).toBe(400)
    expect(server.hub.isRunning).toBe(false)
    expect((await run({ durationMs: 1_000, window: { startMs: 0, endMs: 500 } }))[0]).toBe(200)
    expect(server.hub.isRunning).toBe(true)
  })

  it('upstream POST: a valid message is published (204), a malformed or oversized one is refused', async () => {
    const { url } = await start({ upstreamPayloadBytes: 16, payloadBytes: 16 })
    const post = async (body: unknown): Promise<number> => (await fetch(url + PATHS.upstream, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    })).status
    await fetch(url + PATHS.controlRun, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"durationMs":60000}' })
    expect(await post({ client: 'c2', seq: 1, tSchedUs: 5, payload: 'x' })).toBe(204)
    expect(await post({ client: 'c2', seq: 0, tSchedUs: 5, payload: 'x' })).toBe(400)
    expect(await post({ client: 'c2', seq: 2, tSchedUs: 5, payload: 'x', extra: 1 })).toBe(400)
    expect(await post({ client: 'c2', seq: 3, tSchedUs: 5, payload: 'x'.repeat(1024) })).toBe(413)
    const stopped = await (await fetch(url + PATHS.controlStop, { method: 'POST' })).json() as RunStopped
    expect(stopped).toMatchObject({ streams: { feed: { firstSeq: 1, lastSeq: 1 } }, published: 1, upstreamReceived: 1 })
    const info = await getJson<ServerInfo>(url + PATHS.controlInfo)
    expect(info.body).toMatchObject({ transports: TRANSPORT_NAMES, maxMessageBytes: 528, pid: process.pid })
  })

  it('sse and ws: a consumer that stops reading is cut past sendBufferCapBytes and counted', async () => {
    const { server, url } = await start({ sendBufferCapBytes: 64 * 1024, payloadBytes: 200_000 })
    server.hub.run(60_000)
    const port = new URL(url).port
    const frozen: Socket[] = []
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
    for (const head of [`${PATHS.sse}?${q('c1')} HTTP/1.1\r\n`, `${PATHS.ws}?${q('c2')} HTTP/1.1\r\n${upgrade}`]) {
      const socket = connect(Number(port), '127.0.0.1')
      await once(socket, 'connect')
      socket.write(`GET ${head}Host: x\r\n\r\n`)
      socket.pause() // never reads
      frozen.push(socket)
      cleanups.push(() => socket.destroy())
    }
    await until(() => server.openConnections() === 2)
    const big = 'x'.repeat(200_000)
    for (let i = 0; i < 200 && (await stats(url)).slowConsumerCuts < 2; i++) {
      publish(server, 5, big)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect((await stats(url)).slowConsumerCuts).toBe(2)
    await until(() => server.openConnections() === 0, 3_000)
  })

  it('heartbeats: SSE sends comment lines, and a ws peer that never answers pings is reaped', async () => {
    const { server, url } = await start({ transports: { sse: { heartbeatMs: 100 }, ws: { heartbeatMs: 100 } } })
    const sse = await openSse(url, q('c1'))
    const socket = connect(Number(new URL(url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.resume() // reads, but never answers a ping
    socket.write(`GET ${PATHS.ws}?${q('c2')} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)
    cleanups.push(() => socket.destroy())
    await until(() => server.openConnections() === 2)
    await once(socket, 'close')
    await until(() => server.openConnections() === 1)
    await until(() => sse.text().includes(':\n\n:\n\n'))
  })

  it('close(): resolves within 2 s with ws, SSE and a held long-poll open; ws gets 1001; new requests get 503', async () => {
    const { server, url } = await start()
    const ws = openWs(url, q('c0'))
    await once(ws.ws, 'open')
    const sse = await openSse(url, q('c1'))
    const held = fetch(`${url}${PATHS.longPoll}?${q('c2', '&cursor=0')}`)
    // a half-sent request: it arrives after close() began, on a connection that is not idle
    const late = connect(Number(new URL(url).port), '127.0.0.1')
    await once(late, 'connect')
    late.write(`GET ${PATHS.controlInfo} HTTP/1.1\r\nHost: x\r\n`)
    let lateAnswer = ''
    late.on('data', (chunk: Buffer) => { lateAnswer += chunk.toString() })
    cleanups.push(() => late.destroy())
    await until(() => server.openConnections() === 3)
    const wsClosed = once(ws.ws, 'close')
    const startedAt = Date.now()
    const closing = server.app.close()
    late.write('\r\n')
    await closing
    expect(Date.now() - startedAt).toBeLessThan(2_000)
    servers.splice(servers.indexOf(server), 1)
    expect((await wsClosed)[0]).toBe(1001)
    await sse.ended
    const heldRes = await held
    expect(heldRes.status).toBe(200)
    expect(await heldRes.json()).toMatchObject({ messages: [] })
    await until(() => lateAnswer.includes('\r\n\r\n'))
    expect(lateAnswer).toMatch(/^HTTP\/1.1 503/)
    expect(lateAnswer).toContain('BENCH_ERR_SHUTTING_DOWN')
  })

  it('close(): does not hang on a ws peer that never answers the close handshake', async () => {
    const { server, url } = await start()
    const socket = connect(Number(new URL(url).port), '127.0.0.1')
    await once(socket, 'connect')
    socket.write(`GET ${PATHS.ws}?${q()} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)
    let handshake = ''
    socket.on('data', (chunk: Buffer) => { handshake += chunk.toString('latin1') })
    cleanups.push(() => socket.destroy())
    await until(() => handshake.includes('\r\n\r\n'))
    expect(handshake).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
    const startedAt = Date.now()
    await server.app.close()
    servers.splice(servers.indexOf(server), 1)
    expect(Date.now() - startedAt).toBeLessThan(2_000)
  })
})

async function stats (url: string): Promise<ServerStats> {
  return (await getJson<ServerStats>(url + PATHS.controlStats)).body
}
