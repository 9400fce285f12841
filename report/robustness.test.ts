import { describe, expect, it } from 'vitest'
import { buildSampleResult } from '../results/fixtures/build-sample.ts'
import type { RunResult } from '../results/schema.ts'
import { resolveScenario } from '../core/config.ts'
import { renderReport } from './render.ts'
import { faultTable, rampTable } from './robustness.ts'
import { renderTerminalSummary } from './terminal.ts'

function withSkipAndRamp (): RunResult {
  const result = buildSampleResult({ transports: ['ws', 'sse'], rounds: 1 })
  const scenario = result.scenarios[0]?.name ?? 'missing'
  return {
    ...result,
    scenarios: [...result.scenarios, resolveScenario({ name: 'fixture-ramp', pattern: 'broadcast', clients: 5_000, ramp: { steps: 3 } })],
    skipped: [{ scenario, transport: 'poll', reason: 'nothing to cut <b>here</b>' }],
    ramps: [{
      scenario: 'fixture-ramp',
      transport: 'ws',
      p99LimitUs: 500_000,
      maxClientsUnderLimit: 2_500,
      steps: [
        { clients: 1_000, status: 'passed', reasons: [], p99Us: 40_000, connectRatePerSec: 900, memoryPerConnectionBytes: 12_000 },
        { clients: 2_500, status: 'passed', reasons: [], p99Us: 90_000 },
        { clients: 5_000, status: 'failed', reasons: ['delivery p99 612.0 ms is not below 500 ms'], p99Us: 612_000 },
      ],
    }],
  }
}

describe('faults and ramps in the report', () => {
  it('shows a scenario that does not apply to a transport as n/a with its reason, in the terminal and the HTML matrix', () => {
    const result = withSkipAndRamp()
    expect(renderTerminalSummary(result)).toContain('n/a: poll (nothing to cut <b>here</b>)')
    const page = renderReport(result)
    expect(page).toContain('n/a: nothing to cut &lt;b&gt;here&lt;/b&gt;')
    expect(page).not.toContain('<b>here</b>')
  })

  it('states the max clients at the p99 limit per ramp and lists every step with why the ramp ended', () => {
    const result = withSkipAndRamp()
    const text = renderTerminalSummary(result)
    expect(text).toContain('ws: max 2,500 clients at p99 < 500 ms')
    expect(rampTable(result).rows.map((r) => r[2])).toEqual(['1,000', '2,500', '5,000'])
    expect(rampTable(result).rows[2]?.at(-1)).toBe('failed: delivery p99 612.0 ms is not below 500 ms')
    expect(renderReport(result)).toContain('max 2,500 clients at p99 &lt; 500 ms')
  })

  it('lists fault counters only for scenarios that inject faults', () => {
    expect(faultTable(buildSampleResult({ rounds: 1 })).rows).toEqual([])
  })
})
