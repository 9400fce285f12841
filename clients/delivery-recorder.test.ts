import { describe, expect, it } from 'vitest'
import type { Envelope } from '../core/envelope.ts'
import { DeliveryRecorder } from './delivery-recorder.ts'

const env = (tSchedUs: number, payload = 'abcd'): Envelope => ({ stream: 'feed', epoch: 'e', seq: 1, tSchedUs, tSendUs: tSchedUs + 10, payload })

describe('DeliveryRecorder', () => {
  it('records latency only for first deliveries scheduled inside the window, including those that arrived before it was known', () => {
    const r = new DeliveryRecorder()
    r.record(env(1_500), 1_700, true) // before the window is known, inside it
    r.setWindow(1_000, 2_000)
    r.record(env(999), 1_100, true) // warm-up
    r.record(env(1_999), 2_100, true)
    r.record(env(2_000), 2_100, true) // after the window
    r.record(env(1_200), 1_300, false) // duplicate
    expect(r.deliveredInWindow).toBe(2)
    expect(r.latency.histogram.totalCount).toBe(2)
    expect(r.latency.histogram.maxValue).toBe(200)
    expect(r.latencyFromSend.histogram.minNonZeroValue).toBe(91)
    expect(r.payloadBytesReceived).toBe(5 * 4)
  })

  it('buckets the window\'s first deliveries per second of tSched, adding up to deliveredInWindow', () => {
    const r = new DeliveryRecorder()
    r.setWindow(1_000_000, 3_000_000)
    r.record(env(999_999), 1_000_100, true) // warm-up
    r.record(env(1_000_000), 1_000_500, true)
    r.record(env(2_500_000), 2_501_000, true)
    r.record(env(2_600_000), 2_600_900, true)
    r.record(env(2_600_000), 2_600_900, false) // duplicate
    const timeline = r.encodeTimeline()
    expect(timeline.map((b) => [b.second, b.delivered])).toEqual([[0, 1], [1, 2]])
    expect(timeline.reduce((n, b) => n + b.delivered, 0)).toBe(r.deliveredInWindow)
  })

  it('counts an impossible latency as out of range instead of recording it', () => {
    const r = new DeliveryRecorder()
    r.setWindow(0, 100_000_000)
    r.record(env(50_000), 40_000, true)
    r.record(env(10), 70_000_000, true)
    expect(r.outOfRange()).toBe(4)
    expect(r.latency.histogram.totalCount).toBe(0)
  })

  it('puts receive times on the server\'s clock by the offset; below 0 within the bound is 0, beyond it out of range', () => {
    const r = new DeliveryRecorder({ offsetUs: -5_000, boundUs: 300 })
    r.setWindow(0, 100_000)
    r.record(env(10_000), 15_800, true) // 15,800 − 5,000 − 10,000 = 800 µs
    r.record(env(20_000), 24_800, true) // −200 µs: inside the clock's ± 300 µs, recorded as 0
    r.record(env(30_000), 34_000, true) // −1,000 µs: beyond it
    expect(r.latency.histogram.totalCount).toBe(2)
    expect(r.latency.histogram.maxValue).toBe(800)
    expect(r.latency.histogram.getValueAtPercentile(25)).toBe(0)
    expect(r.latency.outOfRange).toBe(1)
  })
})
