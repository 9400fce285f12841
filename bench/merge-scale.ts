/**
 * npm run bench:merge-scale [-- --samples 100000 --repeats 5]
 * The coordinator's own limit: what adding N generators' latency histograms costs it, for N = 3, 30
 * and 300. Each synthetic generator histogram holds `samples` latencies spread log-uniformly over
 * 100 µs .. 1 s (a realistic spread of occupied buckets: every decade from 100 µs up is filled), and
 * crosses the network encoded, as a generator's report carries it. Per N: encoded bytes received,
 * merge time (decode + add, the median of `repeats`), and how much the heap grew during one merge
 * (decoded histograms are garbage once added: the coordinator holds one merged histogram per kind).
 */
import { parseArgs } from 'node:util'
import { createHistogram, encodeHistogram, mergeHistograms } from '../core/histogram.ts'
import { mulberry32 } from '../core/random.ts'

const { values } = parseArgs({ options: { samples: { type: 'string', default: '100000' }, repeats: { type: 'string', default: '5' } } })
const SAMPLES = Number(values.samples)
const REPEATS = Number(values.repeats)
const MIN_US = 100
const MAX_US = 1_000_000

function syntheticHistogram (seed: number): string {
  const random = mulberry32(seed)
  const h = createHistogram()
  const span = Math.log(MAX_US / MIN_US)
  for (let i = 0; i < SAMPLES; i++) h.recordValue(Math.round(MIN_US * Math.exp(random() * span)))
  return encodeHistogram(h)
}

const gc = (globalThis as { gc?: () => void }).gc
function heapUsed (): number {
  gc?.()
  return process.memoryUsage().heapUsed
}

process.stdout.write(`${SAMPLES.toLocaleString('en-US')} samples per generator histogram, 100 µs .. 1 s log-uniform; median of ${REPEATS} merges${gc === undefined ? ' (no --expose-gc: heap figures include garbage)' : ''}\n`)
process.stdout.write('| generators N | encoded bytes in (total) | merge time (median) | heap grown by one merge (garbage included) |\n| ---: | ---: | ---: | ---: |\n')
for (const n of [3, 30, 300]) {
  const encoded = Array.from({ length: n }, (_, i) => syntheticHistogram(i + 1))
  const bytesIn = encoded.reduce((sum, e) => sum + e.length, 0)
  const times: number[] = []
  let heapDelta = 0
  for (let r = 0; r < REPEATS; r++) {
    const before = heapUsed()
    const t0 = performance.now()
    const merged = mergeHistograms(encoded)
    times.push(performance.now() - t0)
    heapDelta = Math.max(heapDelta, process.memoryUsage().heapUsed - before)
    if (merged.totalCount !== n * SAMPLES) throw new Error(`merged ${merged.totalCount} samples, expected ${n * SAMPLES}`)
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)] as number
  process.stdout.write(`| ${n} | ${(bytesIn / 1024).toFixed(1)} KiB | ${median.toFixed(1)} ms | ${(heapDelta / 1024 / 1024).toFixed(1)} MiB |\n`)
}
// one empty histogram's own footprint: the merge target the coordinator keeps per histogram kind
process.stdout.write(`one histogram (1 µs .. 60 s, 3 digits): ${(createHistogram().estimatedFootprintInBytes / 1024).toFixed(0)} KiB\n`)
