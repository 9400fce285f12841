import { describe, expect, it } from 'vitest'
import { buildSampleResult } from '../results/fixtures/build-sample.ts'
import type { RunResult } from '../results/schema.ts'
import { assertRunResult } from '../results/store.ts'
import { browserPageTable } from './browser-pages.ts'
import { checkClaims, checkTabsClaim } from './claims.ts'
import { renderReport } from './render.ts'
import { renderTerminalSummary } from './terminal.ts'
import { summarizeRun } from '../results/summary.ts'

const NOTE = 'not measured: a browser page cannot read its sockets\' byte counts'

/** The sample run as if its clients had run in Chromium: no bytes, one page per two clients, the last page starved. */
function browserRun (): RunResult {
  const base = buildSampleResult({ rounds: 1, transports: ['ws', 'sse'] })
  return {
    ...base,
    options: { ...base.options, clientsIn: 'chromium' },
    rounds: base.rounds.map((r) => ({
      ...r,
      bytes: { setupRead: 0, setupWritten: 0, steadyRead: 0, steadyWritten: 0 },
      bytesPerMessage: 0,
      overheadBytesPerMessage: 0,
      bytesNotMeasured: NOTE,
      browser: {
        clockBoundUs: 1800,
        pages: [
          { loadgen: 0, page: 0, clients: 2, clockBoundUs: 1200, firstMessageMs: 12.5, received: 400, neverConnected: 0, protocol: 'http/1.1', movedToSend: 0 },
          { loadgen: 0, page: 1, clients: 2, clockBoundUs: 1800, firstMessageMs: null, received: 0, neverConnected: 2, protocol: 'http/1.1', movedToSend: 0 },
        ],
      },
    })),
  }
}

describe('browser clients in the report', () => {
  it('is a schema-valid result', () => {
    expect(() => assertRunResult(browserRun(), 'browser-run.json')).not.toThrow()
  })

  it('lists every page with its first message, or how long it waited for nothing', () => {
    const { rows } = browserPageTable(browserRun())
    expect(rows[0]).toEqual(['fixture-broadcast', expect.any(String), '1', '1', 'http/1.1', '2', '12.5 ms after the start', '400', '± 1.20 ms'])
    expect(rows[1]?.[6]).toMatch(/^nothing in [\d,]+ ms$/)
  })

  it('says bytes are not measured instead of printing zeros, and leaves byte claims undecided', () => {
    const run = browserRun()
    const terminal = renderTerminalSummary(run)
    expect(terminal).toContain('not measured')
    expect(terminal).not.toMatch(/\b0 B\b/)
    expect(terminal).toContain('Browser pages')
    const claims = checkClaims(summarizeRun(run))
    expect(claims.find((c) => c.claim === 'WebSocket has low per-message overhead.')?.status).toBe('not measured')
    const page = renderReport(run)
    expect(page).toContain('id="browser-pages"')
    expect(page).toContain('not measured')
  })

  it('decides the six-connection claim from 8 SSE tabs of one browser over HTTP/1.1, and lists h2 rounds without judging them', () => {
    const tab = (page: number, received: number, protocol: string): NonNullable<RunResult['rounds'][number]['browser']>['pages'][number] =>
      ({ loadgen: 0, page, clients: 1, clockBoundUs: 1000, firstMessageMs: received > 0 ? 10 : null, received, neverConnected: received > 0 ? 0 : 1, protocol, movedToSend: 0 })
    const withTabs = (received: readonly number[], protocol: string): RunResult => {
      const run = browserRun()
      return { ...run, rounds: run.rounds.map((r) => ({ ...r, browser: { clockBoundUs: 1000, pages: received.map((n, i) => tab(i, n, protocol)) } })) }
    }
    expect(checkTabsClaim(browserRun())).toBeUndefined() // 2 tabs: nothing to decide
    const limited = checkTabsClaim(withTabs([70, 70, 70, 70, 70, 70, 0, 0], 'http/1.1'))
    expect(limited?.status).toBe('confirmed')
    expect(limited?.evidence.length).toBeGreaterThan(0)
    for (const line of limited?.evidence ?? []) expect(line).toMatch(/over http\/1\.1: 8 tabs, tabs 7, 8 received nothing \(holds\)$/)
    expect(checkTabsClaim(withTabs([70, 70, 70, 70, 70, 70, 70, 70], 'http/1.1'))?.status).toBe('not confirmed')
    const h2 = checkTabsClaim(withTabs([70, 70, 70, 70, 70, 70, 70, 70], 'h2'))
    expect(h2?.status).toBe('not measured')
    expect(h2?.evidence[0]).toMatch(/over h2: 8 tabs, every tab received \(not HTTP\/1\.1: not judged\)$/)
    expect(renderTerminalSummary(withTabs([70, 70, 70, 70, 70, 70, 0, 0], 'http/1.1'))).toMatch(/confirmed +SSE over HTTP\/1\.1 is limited to six connections per origin in browsers\./)
  })
})
