import * as hdr from 'hdr-histogram-js'

/** Highest value a histogram tracks: 60 s in µs. Larger (or negative) values are counted as out of range. */
export const HISTOGRAM_MAX_US = 60_000_000

/** A plain-JS HDR histogram of integer µs (the one kind used everywhere, so any two can be added). */
export type Histogram = hdr.Histogram

/** Headline figures of one histogram, all in µs except count. */
export interface HistogramSummary {
  readonly count: number
  readonly minUs: number
  readonly meanUs: number
  readonly p50Us: number
  readonly p90Us: number
  readonly p99Us: number
  readonly p999Us: number
  readonly maxUs: number
}

/** Creates an empty µs histogram (3 significant digits, 1 µs .. 60 s). */
export function createHistogram (): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HISTOGRAM_MAX_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })
}

// Values below this many µs (131 ms) are counted in a plain array, one slot per µs, and added to the
// HDR histogram when it is read: a load generator records two or three values per delivery, and an
// array increment costs a few ns against recordValue's ~200 ns (its bucket arithmetic, Math.pow
// included). Adding a value's n counts at once leaves the histogram exactly as n recordValue calls do.
const EXACT_LIMIT_US = 1 << 17

/** A histogram plus the count of values it could not hold. */
export class LatencyRecorder {
  /** Values above HISTOGRAM_MAX_US or below 0: counted here, never recorded, and they flag the run. */
  outOfRange = 0
  private readonly recorded: Histogram = createHistogram()
  // counts of the values below EXACT_LIMIT_US not yet added to `recorded`, allocated at the first one (512 KiB)
  private exact: Uint32Array | undefined
  private exactLow = EXACT_LIMIT_US
  private exactHigh = -1

  /** Every value recorded so far. */
  get histogram (): Histogram {
    this.flush()
    return this.recorded
  }

  /** Records one value in µs (rounded to an integer); returns false when it is out of range. */
  record (valueUs: number): boolean {
    const v = Math.round(valueUs)
    if (v >= 0 && v < EXACT_LIMIT_US) {
      const exact = this.exact ??= new Uint32Array(EXACT_LIMIT_US)
      exact[v] = (exact[v] as number) + 1
      if (v < this.exactLow) this.exactLow = v
      if (v > this.exactHigh) this.exactHigh = v
      return true
    }
    if (!(v >= 0 && v <= HISTOGRAM_MAX_US)) {
      this.outOfRange++
      return false
    }
    this.recorded.recordValue(v)
    return true
  }

  /** The histogram in the cross-language compressed base64 V2 format. */
  encode (): string {
    return encodeHistogram(this.histogram)
  }

  private flush (): void {
    const exact = this.exact
    if (exact === undefined) return
    for (let v = this.exactLow; v <= this.exactHigh; v++) {
      const count = exact[v] as number
      if (count === 0) continue
      this.recorded.recordValueWithCount(v, count)
      exact[v] = 0
    }
    this.exactLow = EXACT_LIMIT_US
    this.exactHigh = -1
  }
}

/** Encodes a histogram as compressed base64 ("HISTFAAA…"). */
export function encodeHistogram (h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h)
}

/** Decodes a compressed base64 histogram into a plain-JS histogram. */
export function decodeHistogram (encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false)
}

/** Adds encoded histograms together (never averages percentiles). */
export function mergeHistograms (encoded: readonly string[]): Histogram {
  const merged = createHistogram()
  for (const e of encoded) merged.add(decodeHistogram(e))
  return merged
}

/** The headline percentiles of a histogram (zeros when it is empty). */
export function summarizeHistogram (h: Histogram): HistogramSummary {
  const count = h.totalCount
  if (count === 0) return { count: 0, minUs: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 }
  return {
    count,
    minUs: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue,
    meanUs: Math.round(h.mean),
    p50Us: h.getValueAtPercentile(50),
    p90Us: h.getValueAtPercentile(90),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    // the highest equivalent value of the max bucket, so a live and a decoded histogram agree (3 significant digits)
    maxUs: h.getValueAtPercentile(100),
  }
}

/** Points of an HdrHistogram percentile-distribution plot: percentile (0..100) and value in µs. */
export function percentileCurve (h: Histogram): Array<{ percentile: number, valueUs: number }> {
  if (h.totalCount === 0) return []
  const points: Array<{ percentile: number, valueUs: number }> = []
  // log-spaced along 1/(1-p): 0%, 50%, 75%, 87.5%, ... up to 99.999%
  for (let k = 0; k <= 40; k++) {
    const p = 100 * (1 - Math.pow(2, -k / 2.5))
    if (p > 99.999) break
    points.push({ percentile: p, valueUs: h.getValueAtPercentile(p) })
  }
  points.push({ percentile: 100, valueUs: h.getValueAtPercentile(100) })
  return points
}
