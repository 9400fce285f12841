import { describe, expect, it } from 'vitest'
import { SeqTracker } from './seq-tracker.ts'

const E = 'e1'
const range = (firstSeq: number, lastSeq: number): { firstSeq: number, lastSeq: number } => ({ firstSeq, lastSeq })

function feed (tracker: SeqTracker, seqs: readonly number[], epoch = E): string[] {
  return seqs.map((s) => tracker.accept(epoch, s))
}

describe('SeqTracker', () => {
  it('counts an in-order stream as complete', () => {
    const t = new SeqTracker()
    expect(feed(t, [1, 2, 3, 4, 5])).toEqual(['new', 'new', 'new', 'new', 'new'])
    expect(t.received).toBe(5)
    expect(t.highestSeq).toBe(5)
    expect(t.reconcile(range(1, 5), E)).toEqual({ expected: 5, lost: 0, unexplained: 0, missing: [] })
  })

  it('detects a gap and lists the missing seqs', () => {
    const t = new SeqTracker()
    feed(t, [1, 2, 5, 6])
    expect(t.holeCount()).toBe(2)
    expect(t.reconcile(range(1, 6), E)).toEqual({ expected: 6, lost: 2, unexplained: 2, missing: [3, 4] })
  })

  it('counts a repeated seq as a duplicate, not as received twice into the range', () => {
    const t = new SeqTracker()
    expect(feed(t, [1, 2, 2, 3, 1])).toEqual(['new', 'new', 'duplicate', 'new', 'duplicate'])
    expect(t.duplicates).toBe(2)
    expect(t.received).toBe(5)
    expect(t.reconcile(range(1, 3), E).lost).toBe(0)
  })

  it('fills a hole with a late arrival and counts it out of order', () => {
    const t = new SeqTracker()
    expect(feed(t, [1, 3, 4, 2, 6, 5])).toEqual(['new', 'new', 'new', 'late', 'new', 'late'])
    expect(t.outOfOrder).toBe(2)
    expect(t.holeCount()).toBe(0)
    expect(t.reconcile(range(1, 6), E).lost).toBe(0)
  })

  it('accepts a seq below the first one received as a late arrival', () => {
    const t = new SeqTracker()
    feed(t, [3, 4, 1])
    expect(t.outOfOrder).toBe(1)
    expect(t.reconcile(range(1, 4), E)).toMatchObject({ lost: 1, missing: [2] })
  })

  it('counts an epoch change as a reset and restarts tracking', () => {
    const t = new SeqTracker()
    feed(t, [1, 2, 4])
    feed(t, [1, 2], 'e2')
    expect(t.resets).toBe(1)
    expect(t.epoch).toBe('e2')
    expect(t.highestSeq).toBe(2)
    expect(t.lostUntracked).toBe(1)
    expect(t.reconcile(range(1, 2), 'e2')).toMatchObject({ expected: 2, lost: 1, missing: [3] })
  })

  it('treats a range of another epoch as entirely missing', () => {
    const t = new SeqTracker()
    feed(t, [1, 2, 3])
    expect(t.reconcile(range(1, 3), 'other')).toMatchObject({ expected: 3, lost: 3, unexplained: 3, missing: [1, 2, 3] })
  })

  it('counts a gap notice as lost with an explanation', () => {
    const t = new SeqTracker()
    feed(t, [1, 2])
    t.notice({ gap: true, stream: 's', epoch: E, fromSeq: 3, toSeq: 10 })
    feed(t, [11, 12])
    expect(t.gapNotified).toBe(8)
    expect(t.holeCount()).toBe(0)
    expect(t.reconcile(range(1, 12), E)).toEqual({ expected: 12, lost: 8, unexplained: 0, missing: [] })
  })

  it('reconciles from a later first seq and lists at most 20 missing seqs', () => {
    const t = new SeqTracker()
    feed(t, [1, 100])
    const r = t.reconcile(range(1, 120), E, 1)
    expect(r.expected).toBe(120)
    expect(r.lost).toBe(98 + 20)
    expect(r.missing).toEqual(Array.from({ length: 20 }, (_, i) => i + 2))
    expect(t.reconcile(range(1, 100), E, 50)).toMatchObject({ expected: 51, lost: 50 })
  })

  it('returns nothing expected for an empty range', () => {
    expect(new SeqTracker().reconcile(range(1, 0), E)).toEqual({ expected: 0, lost: 0, unexplained: 0, missing: [] })
  })

  it('counts exactly the injected drops, duplicates and reorders', () => {
    const N = 10_000
    const D = 37
    const U = 53
    const R = 41
    let state = 12345
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2147483648
      return state / 2147483648
    }
    const pick = (count: number, exclude: Set<number>): Set<number> => {
      const out = new Set<number>()
      while (out.size < count) {
        // never the last seq, so a reorder can always move a seq after its successor
        const s = 2 + Math.floor(random() * (N - 3))
        if (!exclude.has(s) && !exclude.has(s - 1) && !exclude.has(s + 1) && !out.has(s - 1) && !out.has(s + 1)) out.add(s)
      }
      return out
    }
    const dropped = pick(D, new Set())
    const reordered = pick(R, dropped)
    const duplicated = pick(U, new Set([...dropped, ...reordered]))
    const seqs: number[] = []
    for (let s = 1; s <= N; s++) {
      if (dropped.has(s) || reordered.has(s)) continue
      seqs.push(s)
      if (reordered.has(s - 1)) seqs.push(s - 1) // arrives right after its successor
      if (duplicated.has(s)) seqs.push(s)
    }
    const t = new SeqTracker()
    feed(t, seqs)
    expect(t.received).toBe(N - D + U)
    expect(t.duplicates).toBe(U)
    expect(t.outOfOrder).toBe(R)
    const r = t.reconcile(range(1, N), E)
    expect(r.lost).toBe(D)
    expect(r.missing).toEqual([...dropped].sort((a, b) => a - b).slice(0, 20))
  })
})
