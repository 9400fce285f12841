import { describe, expect, it } from 'vitest'
import { createHistogram, decodeHistogram, encodeHistogram, HISTOGRAM_MAX_US, LatencyRecorder, mergeHistograms, summarizeHistogram } from './histogram.ts'

describe('histograms', () => {
  it('survives an encode/decode round trip with identical percentiles and count', () => {
    const r = new LatencyRecorder()
    for (let i = 1; i <= 10_000; i++) r.record(i * 7)
    const back = decodeHistogram(r.encode())
    expect(summarizeHistogram(back)).toEqual(summarizeHistogram(r.histogram))
    expect(back.totalCount).toBe(10_000)
  })

  it('merges by adding counts, never averaging percentiles', () => {
    const a = new LatencyRecorder()
    const b = new LatencyRecorder()
    const all = new LatencyRecorder()
    for (let i = 0; i < 900; i++) { a.record(100); all.record(100) }
    for (let i = 0; i < 100; i++) { b.record(50_000); all.record(50_000) }
    const merged = summarizeHistogram(mergeHistograms([a.encode(), b.encode()]))
    expect(merged).toEqual(summarizeHistogram(all.histogram))
    expect(merged.p99Us).toBeGreaterThan(49_000)
  })

  it('counts values outside 0 .. 60 s as out of range instead of recording them', () => {
    const r = new LatencyRecorder()
    expect(r.record(HISTOGRAM_MAX_US + 1)).toBe(false)
    expect(r.record(-3)).toBe(false)
    expect(r.record(12.6)).toBe(true)
    expect(r.outOfRange).toBe(2)
    expect(r.histogram.totalCount).toBe(1)
    expect(summarizeHistogram(r.histogram).maxUs).toBe(13)
  })

  it('summarises an empty histogram as zeros', () => {
    expect(summarizeHistogram(new LatencyRecorder().histogram).count).toBe(0)
  })
})

describe('LatencyRecorder', () => {
  it('gives exactly the histogram recordValue gives, across the exact-count limit and between reads', () => {
    const r = new LatencyRecorder()
    const plain = createHistogram()
    let seed = 7
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      // mostly below 131 ms, some far above, a few fractional
      const v = i % 10 === 0 ? seed % 5_000_000 : (seed % 140_000) + (i % 7 === 0 ? 0.4 : 0)
      expect(r.record(v)).toBe(true)
      plain.recordValue(Math.round(v))
      // reading in the middle adds what was counted so far; later values keep counting
      if (i === 9_999) expect(r.histogram.totalCount).toBe(10_000)
    }
    expect(r.encode()).toBe(encodeHistogram(plain))
    expect(summarizeHistogram(r.histogram)).toEqual(summarizeHistogram(plain))
    expect(r.histogram.minNonZeroValue).toBe(plain.minNonZeroValue)
    expect(r.histogram.maxValue).toBe(plain.maxValue)
  })
})
