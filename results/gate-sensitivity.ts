import type { MetricKey } from './metrics.ts'

/**
 * What the gate can catch, measured (not derived) with `npm run bench:gate-mde --pool 2` over 4
 * identical-code `npm run bench:ab -- --profile ci --rounds 12` runs pooled two by two into 24 + 24 rounds
 * (the profile's count; pooled runs also carry the drift between runs, so these are conservative) on a
 * 2-core shared machine (Node 20), 40 null splits of each pooled run (each ABBA pair's two one-round
 * runs swapped at random: compare judges interleaved runs pair by pair), a regression of s % injected into one metric of the measured rounds; compare
 * --threshold 5 % (the gate workflow's). Percent of a metric's median; null: not caught in
 * ≥ 95 % of trials at the largest size tried. Other machines and configs differ: measure yours.
 */
export const GATE_SENSITIVITY = {
  measuredOn: '2026-12-03, 2 cores, --profile ci (24 + 24 rounds compared pair by pair, ticker and chat × 4 transports = 40 gating rows), --threshold 5%',
  falseAlarms: '2 of 80 splits (95% interval 1–9%)',
  largestTriedPct: 15,
  /** Smallest regression caught in ≥ 95 % of trials when it shows in every (scenario, transport) row, and in one row only. */
  minimumDetectablePct: {
    p50: { everyRow: 10, oneRow: null },
    p99: { everyRow: 10, oneRow: null },
    msgs: { everyRow: 10, oneRow: 10 },
    bytes: { everyRow: 5, oneRow: 10 },
    cpu: { everyRow: 10, oneRow: null },
  } satisfies Record<MetricKey, { everyRow: number | null, oneRow: number | null }>,
} as const

/** One paragraph for the compare summary: the measured sensitivity of the gate as the workflow runs it. */
export function sensitivityText (): string {
  const pct = (v: number | null): string => (v === null ? `> ${GATE_SENSITIVITY.largestTriedPct}%` : `${v}%`)
  const every = Object.entries(GATE_SENSITIVITY.minimumDetectablePct).map(([metric, v]) => `${metric} ${pct(v.everyRow)}`).join(', ')
  const one = Object.entries(GATE_SENSITIVITY.minimumDetectablePct).map(([metric, v]) => `${metric} ${pct(v.oneRow)}`).join(', ')
  return `*What this gate can catch* (measured on ${GATE_SENSITIVITY.measuredOn}; npm run bench:gate-mde): a regression in every transport ` +
    `is caught in ≥ 95% of runs from ${every}; in one (scenario, transport) row alone from ${one}. False alarms ${GATE_SENSITIVITY.falseAlarms}. ` +
    'With fewer rounds or a higher threshold the gate catches less: a change below the threshold is never flagged; with 12 rounds per side ' +
    'server CPU across transports is caught from 15%, with 6 one row alone cannot pass the Benjamini-Hochberg adjustment over 40 rows.'
}
