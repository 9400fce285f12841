import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import {
  DeliveryCountersSchema, MISSING_ENTRIES_LISTED, mergeMissingSeqs, sumCounters, sumWireBytes, windowCpuFromMarks, type DeliveryCounters, type MissingSeqs,
} from './measures.ts'

const ONE: DeliveryCounters = {
  received: 10, expected: 11, lost: 1, duplicates: 2, outOfOrder: 3, reconnects: 4, resets: 5, errors: 6, gapNotified: 7, upstreamSent: 8, upstreamFailed: 9,
}

describe('sumCounters', () => {
  it('sums every counter of the schema, in its order, an absent optional one counting 0', () => {
    const total = sumCounters([ONE, { ...ONE, slowConsumerCuts: 2, replayed: 3 }])
    expect(Object.keys(total)).toEqual(Object.keys(DeliveryCountersSchema.properties))
    expect(total).toMatchObject({ received: 20, lost: 2, upstreamFailed: 18, slowConsumerCuts: 2, lostToCuts: 0, replayed: 3, receivedBeforeReset: 0 })
    expect(Value.Check(DeliveryCountersSchema, total)).toBe(true)
  })

  it('gives all zeros for no input', () => {
    expect(Object.values(sumCounters([]))).toEqual(Object.keys(DeliveryCountersSchema.properties).map(() => 0))
  })
})

describe('sumWireBytes', () => {
  it('adds each direction and phase', () => {
    const b = { setupRead: 10, setupWritten: 5, steadyRead: 10, steadyWritten: 7 }
    expect(sumWireBytes([b, b])).toEqual({ setupRead: 20, setupWritten: 10, steadyRead: 20, steadyWritten: 14 })
  })
})

describe('mergeMissingSeqs', () => {
  it('keeps the lists in order and stops at MISSING_ENTRIES_LISTED entries', () => {
    const entry = (i: number): MissingSeqs => ({ client: `c${i}`, stream: 'feed', count: 1, seqs: [i] })
    const lists = [Array.from({ length: 15 }, (_, i) => entry(i)), Array.from({ length: 15 }, (_, i) => entry(15 + i))]
    const merged = mergeMissingSeqs(lists)
    expect(merged).toHaveLength(MISSING_ENTRIES_LISTED)
    expect(merged.map((m) => m.client)).toEqual(Array.from({ length: MISSING_ENTRIES_LISTED }, (_, i) => `c${i}`))
  })
})

describe('windowCpuFromMarks', () => {
  it('takes CPU between marks that span the window as it is', () => {
    expect(windowCpuFromMarks(600_000, 3_000_000, 3_000_000)).toBe(600_000)
  })

  it('scales a span shortened by a late start mark to the window: the same rate over the whole window', () => {
    // 0.2 cores over the 2.4 s the marks covered of a 3 s window
    expect(windowCpuFromMarks(480_000, 2_400_000, 3_000_000)).toBeCloseTo(600_000, 6)
  })

  it('refuses marks that cover less than half the window, as when a stalled loop ran both timers late together', () => {
    // the case seen in a long-poll capacity step: both marks within a few ms, 0.02 cores read for a saturated server
    expect(windowCpuFromMarks(100, 5_000, 3_000_000)).toBeUndefined()
    expect(windowCpuFromMarks(700_000, 1_400_000, 3_000_000)).toBeUndefined()
    expect(windowCpuFromMarks(100, 0, 0)).toBeUndefined()
  })
})
