import type { MetricKey } from './metrics.ts'

/**
 * What the gate can catch, measured (not derived) with `npm run bench:gate-mde` over 10 identical-code
 * `npm run bench:ab -- --profile ci` runs on a 2-core shared machine (Node 20), 8 random 6-vs-6 splits
 * each, a regression of s % injected into one metric; threshold 10 %. Percent of a metric's median;
 * null: not caught in ≥ 95 % of trials even at +100 %. Other machines and configs differ: measure yours.
 */
export const GATE_SENSITIVITY = {
  measuredOn: '2026-12-02, 2 cores, --profile ci (6 + 6 rounds, ticker and chat × 4 transports = 40 gating rows)',
  falseAlarms: '0 of 80 splits (95% interval 0–5%); 0 of 10 whole bench:ab + compare runs (0–28%)',
  /** Smallest regression caught in ≥ 95 % of trials when it shows in every (scenario, transport) row, and in one row only. */
  minimumDetectablePct: {
    p50: { everyRow: 50, oneRow: null },
    p99: { everyRow: 30, oneRow: null },
    msgs: { everyRow: 20, oneRow: null },
    bytes: { everyRow: 10, oneRow: null },
    cpu: { everyRow: 30, oneRow: null },
  } satisfies Record<MetricKey, { everyRow: number | null, oneRow: number | null }>,
} as const

/** One paragraph for the compare summary: the measured sensitivity, and why one row alone is never flagged at 6 rounds. */
export function sensitivityText (): string {
  const rows = Object.entries(GATE_SENSITIVITY.minimumDetectablePct)
    .map(([metric, v]) => `${metric} ${v.everyRow === null ? '> 100%' : `${v.everyRow}%`}`).join(', ')
  return `*What this gate can catch* (measured on ${GATE_SENSITIVITY.measuredOn}; npm run bench:gate-mde): a regression in every transport ` +
    `is caught in ≥ 95% of runs from ${rows}; false alarms ${GATE_SENSITIVITY.falseAlarms}. A regression in one (scenario, transport) row ` +
    'alone is not caught at any size with 6 rounds per side: its smallest possible p (0.002) times 40 rows is above 0.05 after the ' +
    'Benjamini-Hochberg adjustment. Use more rounds, or --metric to gate fewer rows, to catch one-row regressions.'
}
