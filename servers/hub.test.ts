import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HubMessage, HubSubscriber } from '../core/adapters.ts'
import type { GapNotice } from '../core/envelope.ts'
import { resolveScenario, type ScenarioOptions } from '../core/config.ts'
import { decodeHistogram } from '../core/histogram.ts'
import { createHub, scheduleOffsetUs, type Hub, type HubOptions } from './hub.ts'
import { createPublishClock } from './publish-clock.ts'

const hubs: Hub[] = []

function hubFor (options: Partial<ScenarioOptions>, hubOptions?: HubOptions): Hub {
  const hub = createHub(resolveScenario({ name: 'test', pattern: 'broadcast', clients: 2, ...options }), hubOptions)
  hubs.push(hub)
  return hub
}

function recorder (): HubSubscriber & { batches: HubMessage[][], gaps: GapNotice[] } {
  const batches: HubMessage[][] = []
  const gaps: GapNotice[] = []
  return { batches, gaps, push: (batch) => { batches.push([...batch]) }, gap: (notice) => { gaps.push(notice) } }
}

function seqsOf (batches: HubMessage[][]): number[] {
  return batches.flat().map((m) => m.env.seq)
}

function upstream (hub: Hub, client: string, seq: number, tSchedUs = 1000 + seq): void {
  hub.upstream({ client, seq, tSchedUs, payload: `line-${seq}` })
}

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close()
  vi.useRealTimers()
})

describe('hub', () => {
  it('schedules message k of a run at exactly t0 + k / rate, and nothing at or after t0 + duration', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'hrtime', 'performance'] })
    const hub = hubFor({ ratePerSec: 300 }, { clock: createPublishClock({ kind: 'timeout' }) })
    const sub = recorder()
    hub.subscribe('feed', undefined, sub)
    const { t0Us } = hub.run(100)
    await vi.advanceTimersByTimeAsync(300)
    const envs = sub.batches.flat().map((m) => m.env)
    expect(envs).toHaveLength(30) // k = 0..29: 29 / 300 s = 96.7 ms < 100 ms, 30 / 300 s = 100 ms is not
    envs.forEach((env, k) => {
      expect(env.tSchedUs).toBe(t0Us + scheduleOffsetUs(k, 300))
      expect(env.tSendUs).toBeGreaterThanOrEqual(env.tSchedUs)
    })
    expect(scheduleOffsetUs(3, 300)).toBe(10_000)
  })

  it('schedules bursts: message k at t0 + floor(k / burstSize) * burstSize / rate, each burst one batch', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'hrtime', 'performance'] })
    const hub = hubFor({ ratePerSec: 100, burstSize: 10 }, { clock: createPublishClock({ kind: 'timeout' }) })
    const sub = recorder()
    hub.subscribe('feed', undefined, sub)
    const { t0Us } = hub.run(250)
    await vi.advanceTimersByTimeAsync(400)
    // bursts due at 0, 100 and 200 ms; the next one (300 ms) is past the run
    expect(sub.batches.map((b) => b.length)).toEqual([10, 10, 10])
    sub.batches.flat().forEach((m, k) => { expect(m.env.tSchedUs).toBe(t0Us + Math.floor(k / 10) * 100_000) })
    expect(seqsOf(sub.batches)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  })

  it('keeps the average rate with bursts: burst n starts where the steady schedule has message n * burstSize', () => {
    expect([0, 1, 9].map((k) => scheduleOffsetUs(k, 100, 10))).toEqual([0, 0, 0])
    expect([10, 19, 20].map((k) => scheduleOffsetUs(k, 100, 10))).toEqual([100_000, 100_000, 200_000])
    for (const k of [0, 50, 100, 1000]) expect(scheduleOffsetUs(k, 200, 50)).toBe(scheduleOffsetUs(k, 200))
    expect(scheduleOffsetUs(7, 300, 1)).toBe(scheduleOffsetUs(7, 300))
  })

  it('publishes overdue messages after a stall with their original tSched, in one batch per tick', async () => {
    const hub = hubFor({ ratePerSec: 1000 })
    const sub = recorder()
    let hasStalled = false
    hub.subscribe('feed', undefined, {
      gap: sub.gap,
      push: (batch) => {
        sub.push(batch)
        if (hasStalled) return
        hasStalled = true
        const until = Date.now() + 40
        while (Date.now() < until); // a stalled event loop
      },
    })
    const { t0Us } = hub.run(80)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const envs = sub.batches.flat().map((m) => m.env)
    expect(envs.map((e) => e.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1))
    envs.forEach((env, k) => { expect(env.tSchedUs).toBe(t0Us + k * 1000) })
    // the tick after the stall carries every message that fell due during it
    expect(Math.max(...sub.batches.map((b) => b.length))).toBeGreaterThanOrEqual(30)
    expect(sub.batches.length).toBeLessThan(80)
  })

  it('keeps seqs gapless per stream across runs of one epoch and reports each run\'s range', async () => {
    const hub = hubFor({ pattern: 'chat' })
    hub.run(1000)
    for (let i = 1; i <= 5; i++) upstream(hub, 'c0', i)
    expect(hub.stop()).toMatchObject({ epoch: hub.epoch, streams: { feed: { firstSeq: 1, lastSeq: 5 } }, published: 5, upstreamReceived: 5 })
    hub.run(1000)
    for (let i = 6; i <= 8; i++) upstream(hub, 'c1', i)
    const stopped = hub.stop()
    expect(stopped.streams).toEqual({ feed: { firstSeq: 6, lastSeq: 8 } })
    expect(hub.read('feed', 0, 100).messages.map((m) => m.env.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(() => hub.stop()).toThrow(expect.objectContaining({ code: 'BENCH_ERR_NOT_RUNNING' }))
  })

  it('answers a resume point older than the ring with a gap notice of the exact range, then the ring', async () => {
    const hub = hubFor({ pattern: 'chat', ringSize: 16 })
    hub.run(1000)
    for (let i = 1; i <= 40; i++) upstream(hub, 'c0', i)
    await Promise.resolve()
    const sub = recorder()
    hub.subscribe('feed', 5, sub)
    const expected: GapNotice = { gap: true, stream: 'feed', epoch: hub.epoch, fromSeq: 6, toSeq: 24 }
    expect(sub.gaps).toEqual([expected])
    expect(seqsOf(sub.batches)).toEqual(Array.from({ length: 16 }, (_, i) => i + 25))
    const read = hub.read('feed', 5, 4)
    expect(read.gap).toEqual(expected)
    expect(read.messages.map((m) => m.env.seq)).toEqual([25, 26, 27, 28])
    expect(hub.read('feed', 30, 100).gap).toBeUndefined()
  })

  it('replays after afterSeq then goes live without duplicates; undefined afterSeq is live only', async () => {
    const hub = hubFor({ pattern: 'chat' })
    hub.run(1000)
    upstream(hub, 'c0', 1)
    upstream(hub, 'c0', 2)
    const resumed = recorder()
    const live = recorder()
    hub.subscribe('feed', 0, resumed) // subscribes before this tick's batch is flushed
    hub.subscribe('feed', undefined, live)
    await Promise.resolve()
    upstream(hub, 'c0', 3)
    await Promise.resolve()
    expect(resumed.batches.map((b) => b.map((m) => m.env.seq))).toEqual([[1, 2], [3]])
    expect(seqsOf(live.batches)).toEqual([3])
  })

  it('routes upstream: chat to the feed with the client\'s tSched and payload, request-response to the sender', async () => {
    const chat = hubFor({ pattern: 'chat' })
    chat.run(1000)
    chat.upstream({ client: 'c1', seq: 1, tSchedUs: 42, payload: 'hello' })
    expect(chat.read('feed', 0, 10).messages.map((m) => m.env)).toEqual([
      expect.objectContaining({ stream: 'feed', seq: 1, tSchedUs: 42, payload: 'hello' }),
    ])
    const rr = hubFor({ pattern: 'request-response', payloadBytes: 77 })
    rr.run(1000)
    rr.upstream({ client: 'c1', seq: 1, tSchedUs: 43, payload: 'ping' })
    const reply = rr.read('to-c1', 0, 10).messages.map((m) => m.env)
    expect(reply).toEqual([expect.objectContaining({ stream: 'to-c1', seq: 1, tSchedUs: 43 })])
    expect(reply[0]?.payload).toHaveLength(77)
    expect(rr.lastSeq('to-c0')).toBe(0)
    expect(rr.stop().streams).toEqual({ 'to-c0': { firstSeq: 1, lastSeq: 0 }, 'to-c1': { firstSeq: 1, lastSeq: 1 } })
  })

  it('counts upstream outside a run without publishing it, and only counts it for broadcast', () => {
    const chat = hubFor({ pattern: 'chat' })
    upstream(chat, 'c0', 1)
    expect(chat.lastSeq('feed')).toBe(0)
    expect(chat.upstreamOutsideRun).toBe(1)
    chat.run(1000)
    chat.stop()
    upstream(chat, 'c0', 2)
    expect(chat.lastSeq('feed')).toBe(0)
    expect(chat.upstreamOutsideRun).toBe(2)
    const broadcast = hubFor({ pattern: 'broadcast', ratePerSec: 1 })
    broadcast.run(1000)
    upstream(broadcast, 'c0', 1)
    expect(broadcast.upstreamReceived).toBe(1)
    expect(broadcast.lastSeq('feed')).toBe(1) // only message k = 0 of the schedule
  })

  it('publishes one stream per client for per-client, spread evenly over the period, with deterministic payloads per seed', async () => {
    const a = hubFor({ pattern: 'per-client', clients: 3, ratePerSec: 10, payloadBytes: 64, seed: 7 })
    const b = hubFor({ pattern: 'per-client', clients: 3, ratePerSec: 10, payloadBytes: 64, seed: 7 })
    const { t0Us } = a.run(1000)
    b.run(1000)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const firstOf = (hub: Hub, stream: string) => hub.read(stream, 0, 1).messages[0]?.env
    const first = (hub: Hub, stream: string): string => firstOf(hub, stream)?.payload ?? ''
    for (const stream of ['to-c0', 'to-c1', 'to-c2']) {
      expect(first(a, stream)).toHaveLength(64)
      expect(first(a, stream)).toBe(first(b, stream))
    }
    // a 100 ms period over 3 streams: phases 0, 33 333 and 66 667 µs
    expect(['to-c0', 'to-c1', 'to-c2'].map((s) => (firstOf(a, s)?.tSchedUs ?? 0) - t0Us)).toEqual([0, 33_333, 66_667])
    expect(first(a, 'to-c0')).not.toBe(first(a, 'to-c1'))
    expect(a.epoch).not.toBe(b.epoch)
  })

  it('serialises each message once: the JSON text is the envelope', () => {
    const hub = hubFor({ ratePerSec: 1 })
    hub.run(1000)
    const [message] = hub.read('feed', 0, 1).messages
    expect(JSON.parse(message?.json ?? '')).toEqual(message?.env)
  })

  it('waitAfter resolves true on the next publish and false when its signal aborts', async () => {
    const hub = hubFor({ pattern: 'chat' })
    hub.run(1000)
    const waiting = hub.waitAfter('feed', 0, new AbortController().signal)
    upstream(hub, 'c0', 1)
    await expect(waiting).resolves.toBe(true)
    const controller = new AbortController()
    const aborted = hub.waitAfter('feed', 1, controller.signal)
    controller.abort()
    await expect(aborted).resolves.toBe(false)
  })

  it('records the publish lag of every published message (publish − scheduled, never negative) and resets it at run()', async () => {
    const hub = hubFor({ ratePerSec: 500 })
    const sub = recorder()
    hub.subscribe('feed', undefined, sub)
    hub.run(60)
    await new Promise((resolve) => setTimeout(resolve, 120))
    const stopped = hub.stop()
    expect(stopped.published).toBe(30)
    expect(stopped.publishLag?.count).toBe(stopped.published)
    expect(decodeHistogram(stopped.publishLag?.histogram ?? '').totalCount).toBe(stopped.published)
    const lagsUs = sub.batches.flat().map((m) => m.env.tSendUs - m.env.tSchedUs)
    expect(Math.min(...lagsUs)).toBeGreaterThanOrEqual(0)
    const { p50Us = 0, p99Us = 0, maxUs = 0 } = stopped.publishLag ?? {}
    expect(p50Us).toBeLessThanOrEqual(p99Us)
    expect(p99Us).toBeLessThanOrEqual(maxUs)
    expect(maxUs).toBeGreaterThanOrEqual(Math.max(...lagsUs))
    hub.run(10)
    await new Promise((resolve) => setTimeout(resolve, 40))
    const second = hub.stop()
    expect(second.published).toBe(5)
    expect(second.publishLag?.count).toBe(5)
  })

  it('records no publish lag for upstream-driven messages: their tSched is the client\'s', () => {
    const hub = hubFor({ pattern: 'chat' })
    hub.run(1000)
    upstream(hub, 'c0', 1)
    upstream(hub, 'c1', 1)
    const stopped = hub.stop()
    expect(stopped.published).toBe(2)
    expect(stopped.publishLag?.count).toBe(0)
  })

  it('reports the publisher\'s spin time per run: counted with the worker clock, 0 with setTimeout', async () => {
    // a 20 ms lead: the worker always wakes early enough to leave some spinning to the main thread
    const precise = hubFor({ ratePerSec: 20 }, { clock: createPublishClock({ leadUs: 20_000 }) })
    const coarse = hubFor({ ratePerSec: 20 }, { clock: createPublishClock({ kind: 'timeout' }) })
    await new Promise((resolve) => setTimeout(resolve, 100)) // the worker comes online
    const startUs = Date.now() * 1000
    precise.run(160)
    coarse.run(160)
    await new Promise((resolve) => setTimeout(resolve, 250))
    const spun = precise.stop()
    expect(spun.published).toBe(4)
    expect(spun.publisherSpinUs).toBeGreaterThan(0)
    // at most the lead before each of the 3 deadlines after t0, plus how late each fired
    expect(spun.publisherSpinUs).toBeLessThanOrEqual(Date.now() * 1000 - startUs)
    expect(coarse.stop().publisherSpinUs).toBe(0)
    expect(precise.clockKind).toBe('worker')
  })

  it('reports its process CPU over the measured window only, when the run named one and the window ended before stop', async () => {
    const hub = hubFor({ ratePerSec: 20 }, { clock: createPublishClock({ kind: 'timeout' }) })
    const spinCpuMs = (ms: number): void => {
      const start = process.cpuUsage()
      for (;;) {
        const used = process.cpuUsage(start)
        if (used.user + used.system >= ms * 1000) return
      }
    }
    const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms))
    // timers fire in due order: the start mark (0 ms) before this test's 10 ms sleep, the end mark (300 ms)
    // before its 350 ms sleep; a synchronous spin runs between marks whatever its wall time
    hub.run(1_000, { startMs: 0, endMs: 300 })
    await sleep(10)
    spinCpuMs(40) // inside the window
    await sleep(350)
    spinCpuMs(150) // after it: not counted
    const stopped = hub.stop()
    expect(stopped.window?.cpuUs).toBeGreaterThanOrEqual(40_000)
    expect(stopped.window?.cpuUs).toBeLessThan(150_000)
    expect(stopped.window?.precisionCpuUs).toBe(0)
    // the window's wall time, read with its CPU (timers may fire a little late, never early)
    expect(stopped.window?.elapsedUs).toBeGreaterThan(0)
    // no window asked, or stopped before it ended: no window figure
    hub.run(400)
    await sleep(50)
    expect(hub.stop().window).toBeUndefined()
    hub.run(400, { startMs: 10, endMs: 300 })
    await sleep(50)
    expect(hub.stop().window).toBeUndefined()
  })

  it('close() stops publishing and terminates the clock\'s worker thread', async () => {
    const clock = createPublishClock()
    const hub = createHub(resolveScenario({ name: 'test', pattern: 'broadcast', clients: 1, ratePerSec: 1000 }), { clock })
    hub.run(60_000)
    await new Promise((resolve) => setTimeout(resolve, 50))
    hub.close()
    const published = hub.published
    await clock.exited
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(hub.published).toBe(published)
    expect(hub.isRunning).toBe(false)
  })
})
