import type { RoundResult } from './schema.ts'

/** A headline figure extracted from every round: compared across runs, shown in the report. */
export interface MetricDefinition {
  readonly key: MetricKey
  readonly label: string
  readonly unit: string
  /** True when a smaller value is better (latency, bytes, CPU). */
  readonly smallerIsBetter: boolean
  readonly of: (round: RoundResult) => number
}

/** The metric keys, as accepted by `--metric`. */
export type MetricKey = 'p50' | 'p99' | 'msgs' | 'bytes' | 'cpu'

/** Every headline metric, in display order. */
export const METRICS: readonly MetricDefinition[] = [
  { key: 'p50', label: 'p50 latency', unit: 'µs', smallerIsBetter: true, of: (r) => r.latency.p50Us },
  { key: 'p99', label: 'p99 latency', unit: 'µs', smallerIsBetter: true, of: (r) => r.latency.p99Us },
  { key: 'msgs', label: 'delivered', unit: 'msg/s', smallerIsBetter: false, of: (r) => r.deliveredPerSec },
  { key: 'bytes', label: 'wire bytes per message', unit: 'B/msg', smallerIsBetter: true, of: (r) => r.bytesPerMessage },
  { key: 'cpu', label: 'server CPU per message', unit: 'µs/msg', smallerIsBetter: true, of: (r) => r.server.cpuUsPerMessage },
]

/** The metric with this key. */
export function metricOf (key: MetricKey): MetricDefinition {
  const found = METRICS.find((m) => m.key === key)
  if (found === undefined) throw new RangeError(`unknown metric ${key}`)
  return found
}
