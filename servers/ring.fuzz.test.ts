import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { GapNotice, PollBatch } from '../core/envelope.ts'
import type { HubMessage } from '../core/adapters.ts'
import { resolveScenario } from '../core/config.ts'
import { SeqTracker } from '../clients/seq-tracker.ts'
import { createHub, type Hub } from './hub.ts'
import { MessageRing } from './ring.ts'
import { pollBatchJson } from './poll-answer.ts'

const SEED = 0x21c6

/** What one simulated client does next. */
type Op =
  | { readonly kind: 'publish', readonly count: number }
  /** A poll answered from the cursor; `fate` says whether the answer arrives and whether the client keeps its cursor. */
  | { readonly kind: 'poll', readonly max: number, readonly fate: 'delivered' | 'lost' | 'delivered-cursor-lost' }
  /** The streaming (SSE / ws) connection drops; messages in flight are lost with it. */
  | { readonly kind: 'drop' }
  /** The streaming client resumes after the last seq it saw (Last-Event-ID / after=). */
  | { readonly kind: 'resume' }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), count: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('poll' as const), max: fc.integer({ min: 1, max: 60 }), fate: fc.constantFrom('delivered' as const, 'lost' as const, 'delivered-cursor-lost' as const) }),
  fc.record({ kind: fc.constant('drop' as const) }),
  fc.record({ kind: fc.constant('resume' as const) })
)

/** A client's dedup'd view: what arrived (with content), what the server declared gone. */
class Receiver {
  readonly delivered = new Map<number, string>()
  readonly gone = new Set<number>()
  readonly tracker = new SeqTracker()

  message (epoch: string, seq: number, payload: string): void {
    this.tracker.accept(epoch, seq)
    const earlier = this.delivered.get(seq)
    if (earlier !== undefined && earlier !== payload) throw new Error(`seq ${seq} delivered twice with different content`)
    this.delivered.set(seq, payload)
  }

  gap (notice: GapNotice): void {
    this.tracker.notice(notice)
    for (let s = notice.fromSeq; s <= notice.toSeq; s++) this.gone.add(s)
  }

  /**
   * Exactly once after dedup: every published seq arrived (content intact) or was announced gone. A seq
   * can be both only when the client asked again from an older cursor than it had (a retry after an
   * answer it did get): the server rightly calls it gone from the ring, and the client already has it.
   */
  check (hubEpoch: string, published: ReadonlyMap<number, string>, lastSeq: number, mayRepeat: boolean): void {
    // collected, then asserted once: an expect per seq would dominate the run time
    const faults: string[] = []
    for (let seq = 1; seq <= lastSeq; seq++) {
      const isDelivered = this.delivered.has(seq)
      const isGone = this.gone.has(seq)
      if (!isDelivered && !isGone) faults.push(`seq ${seq} neither delivered nor announced gone`)
      if (!mayRepeat && isDelivered && isGone) faults.push(`seq ${seq} both delivered and announced gone`)
      if (isDelivered && this.delivered.get(seq) !== published.get(seq)) faults.push(`seq ${seq} has the wrong content`)
    }
    expect(faults).toEqual([])
    expect(Math.max(0, ...this.delivered.keys(), ...this.gone)).toBeLessThanOrEqual(lastSeq)
    if (lastSeq === 0) return
    const r = this.tracker.reconcile({ firstSeq: 1, lastSeq }, hubEpoch)
    expect(r.expected).toBe(lastSeq)
    expect(r.unexplained).toBe(0)
    if (!mayRepeat) expect(r.lost).toBe(this.gone.size)
  }
}

async function flushTicks (): Promise<void> {
  // the hub delivers one batch per tick through queueMicrotask
  await Promise.resolve()
  await Promise.resolve()
}

// A hub builds a 1 MiB payload block when created: one hub per ring size, and a fresh stream per run
// (request-response publishes each client's upstream to its own stream, to-<client>).
const RING_SIZES = [16, 17, 29, 40] as const
const hubs = new Map<number, Hub>()
let runIndex = 0

function hubWithRing (ringSize: number): Hub {
  let hub = hubs.get(ringSize)
  if (hub === undefined) {
    hub = createHub(resolveScenario({ name: 'ring-fuzz', pattern: 'request-response', clients: 1, ringSize }))
    hub.run(3_600_000)
    hubs.set(ringSize, hub)
  }
  return hub
}

afterAll(() => { for (const hub of hubs.values()) hub.close() })

async function runScenario (ringSize: number, ops: readonly Op[]): Promise<void> {
  const hub = hubWithRing(ringSize)
  const client = `r${runIndex++}`
  const stream = `to-${client}`
  const published = new Map<number, string>()
  const poller = new Receiver()
  const streamer = new Receiver()
  let cursor: number | undefined = 0
  let upstreamSeq = 0
  let unsubscribe: (() => void) | undefined
  let isDropped = false

  const subscribe = (afterSeq: number | undefined): void => {
    isDropped = false
    let unsub: () => void = () => {}
    const dropped = (): boolean => isDropped
    unsub = hub.subscribe(stream, afterSeq, {
      push: (batch: readonly HubMessage[]) => {
        if (dropped()) return
        for (let i = 1; i < batch.length; i++) {
          if ((batch[i] as HubMessage).env.seq !== (batch[i - 1] as HubMessage).env.seq + 1) throw new Error('a live batch is not contiguous')
        }
        for (const m of batch) streamer.message(m.env.epoch, m.env.seq, m.env.payload)
      },
      gap: (notice) => { if (!dropped()) streamer.gap(notice) },
    })
    unsubscribe = unsub
  }
  const poll = (max: number, fate: 'delivered' | 'lost' | 'delivered-cursor-lost'): PollBatch => {
    const before = hub.lastSeq(stream)
    const batch = JSON.parse(pollBatchJson(hub, stream, cursor, false, max)) as PollBatch
    if (batch.messages.length > Math.min(max, ringSize)) throw new Error(`${batch.messages.length} messages for max=${max}`)
    const first = (batch.gap?.toSeq ?? cursor ?? 0) + 1
    if (batch.messages.some((m, i) => m.seq !== first + i)) throw new Error(`answer after cursor ${cursor ?? '-'} is not contiguous from ${first}`)
    // a gap is only ever announced for seqs the ring has really evicted
    if (batch.gap !== undefined && batch.gap.toSeq > before - ringSize) throw new Error(`gap up to ${batch.gap.toSeq} announced while the ring still holds it`)
    if (batch.cursor !== (batch.messages[batch.messages.length - 1]?.seq ?? cursor)) throw new Error('the answer\'s cursor is not its last seq')
    if (fate !== 'lost') {
      if (batch.gap !== undefined) poller.gap(batch.gap)
      for (const env of batch.messages) poller.message(env.epoch, env.seq, env.payload)
    }
    if (fate === 'delivered') cursor = batch.cursor
    return batch
  }

  subscribe(0)
  for (const step of ops) {
    switch (step.kind) {
      case 'publish':
        for (let i = 0; i < step.count; i++) {
          upstreamSeq++
          hub.upstream({ client, seq: upstreamSeq, tSchedUs: upstreamSeq, payload: '' })
          const seq = hub.lastSeq(stream)
          published.set(seq, hub.read(stream, seq - 1, 1).messages[0]?.env.payload ?? '')
        }
        // some publishes are flushed before the next op, some coalesce with it
        if (step.count % 2 === 0) await flushTicks()
        break
      case 'poll':
        poll(step.max, step.fate)
        break
      case 'drop':
        isDropped = true
        unsubscribe?.()
        unsubscribe = undefined
        break
      case 'resume':
        if (unsubscribe === undefined) subscribe(streamer.tracker.highestSeq)
        break
    }
    // the ring never holds more than ringSize messages, however far publishing ran ahead
    if (hub.read(stream, 0, 1_000_000).messages.length > ringSize) throw new Error('the ring outgrew ringSize')
  }
  await flushTicks()
  // drain: the poller polls until it has the last seq, the streamer resumes once
  const lastSeq = hub.lastSeq(stream)
  for (let guard = 0; guard <= lastSeq + 1; guard++) {
    if ((cursor ?? 0) >= lastSeq) break
    poll(ringSize, 'delivered')
  }
  if ((cursor ?? 0) < lastSeq) throw new Error('polling does not converge on the last seq')
  if (unsubscribe === undefined) subscribe(streamer.tracker.highestSeq)
  await flushTicks()
  unsubscribe?.()
  poller.check(hub.epoch, published, lastSeq, ops.some((o) => o.kind === 'poll' && o.fate === 'delivered-cursor-lost'))
  streamer.check(hub.epoch, published, lastSeq, false)
}

describe('hub ring and cursors under random publish / poll / drop / retry', () => {
  it('pollers and resuming streamers get every seq exactly once after dedup, or an explicit gap for evicted ones', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...RING_SIZES), fc.array(op, { maxLength: 60 }), async (ringSize, ops) => {
      await runScenario(ringSize, ops)
    }), { seed: SEED, numRuns: 400 })
  })

  it('MessageRing.after: slice and evicted range partition (cursor, last] for any cursor and limit', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 320 }), fc.integer({ min: 1, max: 400 }),
      (capacity, published, cursorRaw, max) => {
        const ring = new MessageRing(capacity)
        for (let seq = 1; seq <= published; seq++) ring.push({ env: { stream: 's', epoch: 'e', seq, tSchedUs: 0, tSendUs: 0, payload: '' }, json: String(seq) })
        const cursor = Math.min(cursorRaw, published)
        const slice = ring.after(cursor, max)
        const seqs = slice.messages.map((m) => m.env.seq)
        const from = slice.evicted === undefined ? cursor + 1 : slice.evicted.toSeq + 1
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => from + i))
        expect(seqs.length).toBe(Math.min(max, published - from + 1))
        if (slice.evicted !== undefined) expect(slice.evicted).toEqual({ fromSeq: cursor + 1, toSeq: published - capacity })
        else expect(cursor + 1).toBeGreaterThanOrEqual(Math.min(ring.firstSeq, published + 1))
      }), { seed: SEED, numRuns: 500 })
  })
})
