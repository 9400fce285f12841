import type { MetricKey } from './metrics.ts'

/**
 * What the gate can catch, measured (not derived) with `npm run bench:gate-mde` over 4 identical-code
 * `npm run bench:ab -- --profile ci` runs (12 + 12 rounds each) on a 2-core shared machine (Node 20),
 * 20 random 12-vs-12 splits each, a regression of s % injected into one metric of the measured rounds;
 * compare --threshold 5 % (the gate workflow's). Percent of a metric's median; null: not caught in
 * ≥ 95 % of trials at the largest size tried. Other machines and configs differ: measure yours.
 */
export const GATE_SENSITIVITY = {
  measuredOn: '2026-12-03, 2 cores, --profile ci (12 + 12 rounds, ticker and chat × 4 transports = 40 gating rows), --threshold 5%',
  falseAlarms: '2 of 80 splits (95% interval 1–9%); 0 of 4 whole bench:ab + compare runs',
  largestTriedPct: 30,
  /** Smallest regression caught in ≥ 95 % of trials when it shows in every (scenario, transport) row, and in one row only. */
  minimumDetectablePct: {
    p50: { everyRow: 10, oneRow: null },
    p99: { everyRow: 10, oneRow: null },
    msgs: { everyRow: 10, oneRow: 10 },
    bytes: { everyRow: 5, oneRow: 10 },
    cpu: { everyRow: 20, oneRow: null },
  } satisfies Record<MetricKey, { everyRow: number | null, oneRow: number | null }>,
} as const

/** One paragraph for the compare summary: the measured sensitivity of the gate as the workflow runs it. */
export function sensitivityText (): string {
  const pct = (v: number | null): string => (v === null ? `> ${GATE_SENSITIVITY.largestTriedPct}%` : `${v}%`)
  const every = Object.entries(GATE_SENSITIVITY.minimumDetectablePct).map(([metric, v]) => `${metric} ${pct(v.everyRow)}`).join(', ')
  const one = Object.entries(GATE_SENSITIVITY.minimumDetectablePct).map(([metric, v]) => `${metric} ${pct(v.oneRow)}`).join(', ')
  return `*What this gate can catch* (measured on ${GATE_SENSITIVITY.measuredOn}; npm run bench:gate-mde): a regression in every transport ` +
    `is caught in ≥ 95% of runs from ${every}; in one (scenario, transport) row alone from ${one}. False alarms ${GATE_SENSITIVITY.falseAlarms}. ` +
    'With fewer rounds or a higher threshold the gate catches less: a change below the threshold is never flagged, and with 6 rounds per ' +
    'side one row alone cannot pass the Benjamini-Hochberg adjustment over 40 rows.'
}
