import { variantLabel, type WireVariant } from '../core/wire-variant.ts'

/** Formats µs with a fitting unit: "850 µs", "1.23 ms", "2.05 s"; "–" when not a number. */
export function formatUs (us: number): string {
  if (!Number.isFinite(us)) return '–'
  // the unit is chosen after rounding: 999.7 ms is "1.00 s", not "1.00e+3 ms"
  if (Math.round(Math.abs(us)) < 1_000) return `${Math.round(us)} µs`
  if (Number((Math.abs(us) / 1_000).toPrecision(3)) < 1_000) return `${(us / 1_000).toPrecision(3)} ms`
  return `${(us / 1_000_000).toPrecision(3)} s`
}

/** Formats a byte count in SI units (1 kB = 1000 B, as on the wire): "87 B", "6.4 kB", "12.3 MB". */
export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes)) return '–'
  const abs = Math.abs(bytes)
  if (abs < 1000) return `${abs < 10 && bytes !== Math.round(bytes) ? bytes.toFixed(1) : Math.round(bytes)} B`
  if (abs < 1e6) return `${Number((bytes / 1e3).toPrecision(3))} kB`
  if (abs < 1e9) return `${Number((bytes / 1e6).toPrecision(3))} MB`
  return `${Number((bytes / 1e9).toPrecision(3))} GB`
}

/** Formats a plain number with at most 3 significant digits below 1000 and thousands separators above. */
export function formatNumber (n: number): string {
  if (!Number.isFinite(n)) return '–'
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US')
  if (n === 0) return '0'
  return Number(n.toPrecision(3)).toString()
}

/** Formats messages per second: "4,000 msg/s". */
export function formatRate (perSec: number): string {
  return `${formatNumber(perSec)} msg/s`
}

/** Formats a CPU cost: "12.3 µs/msg". */
export function formatCpu (usPerMessage: number): string {
  return `${formatNumber(usPerMessage)} µs/msg`
}

/** Formats a ratio as a signed percentage change: 1.23 → "+23%", 0.9 → "−10%". */
export function formatChange (ratio: number): string {
  if (!Number.isFinite(ratio)) return '–'
  const pct = (ratio - 1) * 100
  const digits = Math.abs(pct) < 10 ? 1 : 0
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(digits)}%`
}

/** Formats a 0..1 fraction as a percentage: 0.9375 → "93.8%". */
export function formatPercent (fraction: number): string {
  return Number.isFinite(fraction) ? `${Number((fraction * 100).toFixed(1))}%` : '–'
}

/** The wire a run was measured over, in words: bytes are always counted on the TCP socket. */
export function variantText (variant: WireVariant): string {
  const bytes = variant.tls ? '; wire bytes counted on the TCP socket below TLS (handshake in setup, record overhead included)' : ''
  return `${variantLabel(variant)}${variant.httpVersion === '2' ? ' (h2, one connection per client; ws over HTTP/1.1)' : ''}${bytes}`
}

/** Formats server CPU in cores busy: "0.21 cores", "1.5 cores", "0.004 cores". */
export function formatCores (cores: number): string {
  if (!Number.isFinite(cores)) return '–'
  return `${formatNumber(cores)} ${cores === 1 ? 'core' : 'cores'}`
}

/** Formats egress per month: "12.3 GB/month". */
export function formatGbPerMonth (gb: number): string {
  return Number.isFinite(gb) ? `${formatNumber(gb)} GB/month` : '–'
}
