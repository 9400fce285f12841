import { describe, expect, it } from 'vitest'
import { mergeTimelines, TimelineRecorder } from './timeline.ts'

describe('latency timeline', () => {
  it('buckets first deliveries by the second of the window their tSched falls in, empty seconds included', () => {
    const t = new TimelineRecorder(10_000_000, 13_000_000)
    t.record(10_000_000, 100)
    t.record(10_999_999, 200)
    t.record(12_500_000, 300)
    t.record(9_999_999, 400) // before the window
    t.record(13_000_000, 500) // after it
    const points = mergeTimelines([t.encode()])
    expect(points.map((p) => [p.second, p.delivered])).toEqual([[0, 2], [1, 0], [2, 1]])
    expect(points[1]).toMatchObject({ p50Us: 0, p99Us: 0, maxUs: 0 })
    // 2 significant digits: the max is the top of its 1 % bucket
    expect(points[2]?.maxUs).toBeGreaterThanOrEqual(300)
    expect(points[2]?.maxUs).toBeLessThanOrEqual(303)
  })

  it('merges load generators by adding histograms, so a merged p99 equals the p99 of all values together', () => {
    const a = new TimelineRecorder(0, 1_000_000)
    const b = new TimelineRecorder(0, 1_000_000)
    const all = new TimelineRecorder(0, 1_000_000)
    for (let i = 0; i < 990; i++) { a.record(i, 1_000); all.record(i, 1_000) }
    for (let i = 0; i < 10; i++) { b.record(i, 90_000); all.record(i, 90_000) }
    const [merged] = mergeTimelines([a.encode(), b.encode()])
    const [together] = mergeTimelines([all.encode()])
    expect(merged).toEqual(together)
    expect(merged?.delivered).toBe(1_000)
    // averaging the two generators' p99s would give ~45 ms; adding histograms keeps the true 1 ms p99 and 90 ms max
    expect(merged?.p99Us).toBeLessThan(1_100)
    expect(merged?.maxUs).toBeGreaterThanOrEqual(90_000)
  })

  it('counts a delivery whose latency is out of the histogram range without recording the value', () => {
    const t = new TimelineRecorder(0, 1_000_000)
    t.record(0, -5)
    t.record(0, 70_000_000)
    expect(mergeTimelines([t.encode()])).toEqual([{ second: 0, delivered: 2, p50Us: 0, p99Us: 0, maxUs: 0 }])
  })
})
