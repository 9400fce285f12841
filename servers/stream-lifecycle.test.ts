import { EventEmitter } from 'node:events'
import { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { ServerContext } from '../core/adapters.ts'
import { resolveScenario } from '../core/config.ts'
import { createHub, type Hub } from './hub.ts'
import { createStreamLifecycle, type StreamFraming } from './stream-lifecycle.ts'

/** A connection that records what the lifecycle asked the framing to do. */
class TestConnection extends EventEmitter {
  readonly frames: string[] = []
  readonly goodbyes: string[] = []
  beats = 0
  bufferedBytes = 0
}

const framing: StreamFraming<TestConnection> = {
  message: (message) => `m${message.env.seq}`,
  gap: (notice) => `gap${notice.fromSeq}-${notice.toSeq}`,
  write: (conn, frame) => { conn.frames.push(frame) },
  bufferedBytes: (conn) => conn.bufferedBytes,
  heartbeat: (conn) => { conn.beats++ },
  cut: (conn) => { conn.goodbyes.push('cut') },
  shutdown: (conn) => { conn.goodbyes.push('shutdown') },
  destroy: (conn) => { conn.goodbyes.push('destroy') },
}

const hubs: Hub[] = []

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close()
})

/** A chat hub in a run, the context around it, and counters of what the lifecycle did to both. */
function setup (options: { sendBufferCapBytes?: number, ringSize?: number } = {}) {
  const hub = createHub(resolveScenario({ name: 'lifecycle', pattern: 'chat', clients: 1, sendBufferCapBytes: 65_536, ...options }))
  hubs.push(hub)
  hub.run(60_000)
  const counts = { unsubscribes: 0, cuts: 0 }
  const open = new Set<() => void>()
  const ctx: ServerContext = {
    hub: {
      ...hub,
      subscribe: (stream, afterSeq, subscriber) => {
        const unsubscribe = hub.subscribe(stream, afterSeq, subscriber)
        return () => { counts.unsubscribes++; unsubscribe() }
      },
    },
    config: hub.config,
    trackOpen (end) { open.add(end); return () => { open.delete(end) } },
    isClosing: () => false,
    countSlowConsumerCut: () => { counts.cuts++ },
    countProtocolError: () => {},
  }
  const say = (seq: number): void => { hub.upstream({ client: 'c0', seq, tSchedUs: 1, payload: `line-${seq}` }) }
  return { hub, ctx, counts, open, say, lifecycle: createStreamLifecycle(ctx, 60_000, framing) }
}

describe('stream lifecycle', () => {
  it('replays after the resume point, delivers live batches through the framing, and unsubscribes once on close', async () => {
    const { counts, open, say, lifecycle } = setup()
    say(1)
    say(2)
    await Promise.resolve()
    const conn = new TestConnection()
    const stream = lifecycle.open(conn, new Socket(), 'feed', 1)
    say(3)
    await Promise.resolve()
    expect(conn.frames).toEqual(['m2', 'm3'])
    expect(open.size).toBe(1)
    conn.emit('close')
    say(4)
    await Promise.resolve()
    expect(conn.frames).toEqual(['m2', 'm3'])
    expect(stream.isOpen).toBe(false)
    expect(counts.unsubscribes).toBe(1)
    expect(open.size).toBe(0)
  })

  it('cuts a slow consumer past sendBufferCapBytes: one goodbye, counted, unsubscribed once even after close', async () => {
    const { counts, open, say, lifecycle } = setup()
    const conn = new TestConnection()
    lifecycle.open(conn, new Socket(), 'feed', undefined)
    conn.bufferedBytes = 100_000
    say(1)
    say(2)
    await Promise.resolve()
    say(3)
    await Promise.resolve()
    expect(conn.frames).toEqual(['m1', 'm2'])
    expect(conn.goodbyes).toEqual(['cut'])
    expect(counts).toEqual({ unsubscribes: 1, cuts: 1 })
    conn.emit('close')
    expect(counts.unsubscribes).toBe(1)
    expect(open.size).toBe(0)
  })

  it('says the shutdown goodbye once through ctx.trackOpen and delivers nothing afterwards', async () => {
    const { counts, open, say, lifecycle } = setup()
    const conn = new TestConnection()
    lifecycle.open(conn, new Socket(), 'feed', undefined)
    for (const end of [...open]) end()
    for (const end of [...open]) end()
    say(1)
    await Promise.resolve()
    conn.emit('close')
    expect(conn.goodbyes).toEqual(['shutdown'])
    expect(conn.frames).toEqual([])
    expect(counts.unsubscribes).toBe(1)
    expect(open.size).toBe(0)
  })

  it('sends a gap notice before the ring, and a cut during that replay leaves nothing subscribed or tracked', async () => {
    const { counts, open, say, lifecycle } = setup({ ringSize: 16 })
    for (let seq = 1; seq <= 20; seq++) say(seq)
    await Promise.resolve()
    const conn = new TestConnection()
    conn.bufferedBytes = 100_000
    const stream = lifecycle.open(conn, new Socket(), 'feed', 0)
    expect(conn.frames).toEqual(['gap1-4'])
    expect(conn.goodbyes).toEqual(['cut'])
    expect(stream.isOpen).toBe(false)
    expect(counts.unsubscribes).toBe(1)
    expect(open.size).toBe(0)
    conn.emit('close')
    expect(counts.unsubscribes).toBe(1)
  })
})
