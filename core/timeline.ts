import * as hdr from 'hdr-histogram-js'
import { HISTOGRAM_MAX_US, type Histogram } from './histogram.ts'

/** Width of one timeline bucket: one second of scheduled time, µs. */
export const TIMELINE_BUCKET_US = 1_000_000

/** Most buckets one timeline holds (one hour of measured window); later seconds are not bucketed. */
export const TIMELINE_MAX_BUCKETS = 3_600

// 2 significant digits and auto-resized 32-bit counts keep one bucket at a few kB instead of ~256 kB,
// so an hour-long window stays small; 1% resolution is plenty for a curve over time.
const BIT_BUCKET_SIZE = 32

/** One second of a load generator's measured window: first deliveries scheduled in it and their latency histogram (µs, encoded). */
export interface TimelineBucket {
  /** 0-based second of the measured window, by tSched. */
  readonly second: number
  readonly delivered: number
  readonly latency: string
}

/** One second of a round, all load generators merged: deliveries and latency percentiles, µs. */
export interface TimelinePoint {
  readonly second: number
  readonly delivered: number
  readonly p50Us: number
  readonly p99Us: number
  readonly maxUs: number
}

/** Creates an empty per-second histogram (1 µs .. 60 s, 2 significant digits, grows as values arrive). */
export function createTimelineHistogram (): Histogram {
  return hdr.build({
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HISTOGRAM_MAX_US,
    numberOfSignificantValueDigits: 2,
    useWebAssembly: false,
  })
}

/** Records latency per 1-second bucket of the measured window [startUs, endUs), keyed by tSched (open loop). */
export class TimelineRecorder {
  private readonly buckets: Array<{ delivered: number, histogram: Histogram } | undefined>
  private readonly startUs: number

  constructor (startUs: number, endUs: number) {
    this.startUs = startUs
    this.buckets = new Array(Math.min(TIMELINE_MAX_BUCKETS, Math.max(0, Math.ceil((endUs - startUs) / TIMELINE_BUCKET_US))))
  }

  /** Counts one first delivery scheduled at tSchedUs; its latency is recorded when it is within 0 .. 60 s. */
  record (tSchedUs: number, latencyUs: number): void {
    const second = Math.floor((tSchedUs - this.startUs) / TIMELINE_BUCKET_US)
    if (second < 0 || second >= this.buckets.length) return
    let bucket = this.buckets[second]
    if (bucket === undefined) {
      bucket = { delivered: 0, histogram: createTimelineHistogram() }
      this.buckets[second] = bucket
    }
    bucket.delivered++
    const v = Math.round(latencyUs)
    if (v >= 0 && v <= HISTOGRAM_MAX_US) bucket.histogram.recordValue(v)
  }

  /** Every second of the window in order (empty seconds included, with an empty histogram), histograms encoded. */
  encode (): TimelineBucket[] {
    const empty = hdr.encodeIntoCompressedBase64(createTimelineHistogram())
    return Array.from(this.buckets, (bucket, second) => ({
      second,
      delivered: bucket?.delivered ?? 0,
      latency: bucket === undefined ? empty : hdr.encodeIntoCompressedBase64(bucket.histogram),
    }))
  }
}

/** Merges the timelines of several load generators second by second: counts summed, histograms added (never averaged). */
export function mergeTimelines (timelines: ReadonlyArray<readonly TimelineBucket[]>): TimelinePoint[] {
  const merged = new Map<number, { delivered: number, histogram: Histogram }>()
  for (const timeline of timelines) {
    for (const bucket of timeline) {
      let into = merged.get(bucket.second)
      if (into === undefined) {
        into = { delivered: 0, histogram: createTimelineHistogram() }
        merged.set(bucket.second, into)
      }
      into.delivered += bucket.delivered
      into.histogram.add(hdr.decodeFromCompressedBase64(bucket.latency, BIT_BUCKET_SIZE, false))
    }
  }
  return [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([second, { delivered, histogram }]) => ({
    second,
    delivered,
    p50Us: histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(50),
    p99Us: histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(99),
    maxUs: histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(100),
  }))
}
