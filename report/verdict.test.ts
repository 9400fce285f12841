import { describe, expect, it } from 'vitest'
import { buildSampleResult } from '../results/fixtures/build-sample.ts'
import type { RunResult } from '../results/schema.ts'
import { summarizeRun } from '../results/summary.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { checkClaims } from './claims.ts'
import { decideVerdicts } from './verdict.ts'

/** A fixture whose p99 per transport and round is set by the test. */
function withP99 (p99: Partial<Record<TransportName, number[]>>, options: Parameters<typeof buildSampleResult>[0] = {}): RunResult {
  const result = buildSampleResult({ ...options, scenarios: [{ name: 'w', pattern: 'broadcast', clients: 4, ratePerSec: 50, durationMs: 1_000 }] })
  return {
    ...result,
    rounds: result.rounds.map((r) => {
      const value = p99[r.transport]?.[r.round - 1]
      return value === undefined ? r : { ...r, latency: { ...r.latency, p99Us: value, p50Us: Math.round(value / 4) } }
    }),
  }
}

const cells = (result: RunResult) => Object.fromEntries(decideVerdicts(summarizeRun(result))[0]!.cells.map((c) => [c.transport, c.fit]))

describe('verdict', () => {
  it('calls the lowest median p99 best, close ones fits and clearly slower ones poor', () => {
    const result = withP99({ ws: [1000, 1100, 1050], sse: [1080, 1120, 1090], 'long-poll': [3000, 3200, 3100], poll: [900, 4000, 4100] })
    expect(cells(result)).toEqual({ ws: 'best', sse: 'fits', 'long-poll': 'poor', poll: 'fits' })
  })

  it('follows the numbers: swapping the measurements swaps the verdict', () => {
    const result = withP99({ ws: [3000, 3200, 3100], sse: [1000, 1100, 1050], 'long-poll': [1080, 1120, 1090], poll: [5000, 5200, 5100] })
    expect(cells(result)).toEqual({ ws: 'poor', sse: 'best', 'long-poll': 'fits', poll: 'poor' })
  })

  it('makes a transport that lost messages poor even when it is fastest, and names the loss', () => {
    const result = withP99({ ws: [500, 500, 500], sse: [1000, 1000, 1000] }, { transports: ['ws', 'sse'], lost: [{ scenario: 'w', transport: 'ws', count: 3 }] })
    const verdict = decideVerdicts(summarizeRun(result))[0]!
    expect(verdict.best).toBe('sse')
    expect(verdict.cells.find((c) => c.transport === 'ws')).toMatchObject({ fit: 'poor', reasons: ['lost 9 messages'] })
  })

  it('gives no verdict without valid rounds', () => {
    const result = withP99({}, { transports: ['ws', 'sse'], rounds: 1, invalid: [{ scenario: 'w', transport: 'sse', round: 1, reason: 'saturated' }] })
    expect(cells(result)).toEqual({ ws: 'best', sse: 'no verdict' })
  })
})

describe('claims', () => {
  it('reports every claim with a status and a figure per workload', () => {
    const claims = checkClaims(summarizeRun(buildSampleResult()))
    expect(claims).toHaveLength(6)
    for (const c of claims) {
      expect(['confirmed', 'not confirmed', 'depends on workload', 'not measured']).toContain(c.status)
      expect(c.evidence).toHaveLength(2)
    }
  })

  it('marks the SSE upstream claim not measured when no workload sends upstream', () => {
    const claims = checkClaims(summarizeRun(withP99({})))
    expect(claims.find((c) => c.claim.startsWith('SSE'))!.status).toBe('not measured')
  })
})
