import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CHROMIUM_PATH } from '../core/control.ts'
import { resolveScenario } from '../core/config.ts'
import { decodeHistogram } from '../core/histogram.ts'
import { TRANSPORT_NAMES, type TransportName } from '../core/wire-protocol.ts'
import type { RoundResult } from '../results/schema.ts'
import { makeCertificate } from '../servers/certificate.ts'
import { browserLayoutOf, loadScenario } from '../scenarios/catalog.ts'
import { NETWORK_PROFILES } from './network-profiles.ts'
import { runRound, type RoundPlan } from './round.ts'
import { buildRoundResult } from './round-result.ts'

const hasChromium = existsSync(CHROMIUM_PATH)
if (!hasChromium && process.env.CI !== undefined && process.env.CI !== '') {
  throw new Error(`${CHROMIUM_PATH} is missing and CI is set: install it with apt-get install -y chromium`)
}
if (!hasChromium) console.warn(`skipping the browser-client tests: ${CHROMIUM_PATH} is missing (apt-get install -y chromium)`)

const SATURATED = /saturated: /

async function chromiumRound (plan: Omit<RoundPlan, 'round' | 'order' | 'workers' | 'target' | 'network' | 'clientsIn'>): Promise<RoundResult> {
  return buildRoundResult(await runRound({ ...plan, round: 1, order: 1, workers: 1, target: null, network: NETWORK_PROFILES.loopback, clientsIn: 'chromium' }))
}

describe.skipIf(!hasChromium)('clients in Chromium (--clients-in chromium)', () => {
  // 2 pages × 2 clients, each page its own browser context; low rate: a shared 2-core machine
  const ticker = resolveScenario({ name: 'browser-ticker', pattern: 'broadcast', clients: 4, ratePerSec: 50, payloadBytes: 128, durationMs: 1_000, warmupMs: 300, drainMs: 2_000 })

  it.each(TRANSPORT_NAMES.map((t) => [t]))('%s: a ticker round in browser pages loses nothing, reconciles, and adds up its histograms', async (transport: TransportName) => {
    const r = await chromiumRound({ scenario: ticker, transport, browser: { clientsPerPage: 2, sharedContext: false } })
    // the generator's own CPU may be over its limit on a busy machine; nothing else may be wrong
    expect(r.invalidReasons.filter((reason) => !SATURATED.test(reason))).toEqual([])
    expect(r.server.published).toBeGreaterThan(0)
    expect(r.counters).toMatchObject({ expected: 4 * r.server.published, received: 4 * r.server.published, lost: 0, duplicates: 0, outOfOrder: 0, gapNotified: 0 })
    expect(r.missing).toEqual([])
    expect(r.outOfRange).toBe(0)
    expect(r.deliveredInWindow).toBeGreaterThan(0)
    expect(decodeHistogram(r.histograms.latency).totalCount).toBe(r.deliveredInWindow)
    expect(decodeHistogram(r.histograms.latencyFromSend).totalCount).toBe(r.deliveredInWindow)
    expect(decodeHistogram(r.histograms.connect).totalCount).toBe(4)
    expect(decodeHistogram(r.histograms.firstMessage).totalCount).toBe(4)
    expect(r.latency.p50Us).toBeGreaterThan(0)
    // a browser cannot count its sockets' bytes: said so, never estimated
    expect(r.bytesNotMeasured).toMatch(/^not measured/)
    expect(r.bytes).toEqual({ setupRead: 0, setupWritten: 0, steadyRead: 0, steadyWritten: 0 })
    expect(r.browser?.pages.map((p) => [p.page, p.clients, p.neverConnected])).toEqual([[0, 2, 0], [1, 2, 0]])
    for (const page of r.browser?.pages ?? []) {
      expect(page.received).toBe(2 * r.server.published)
      expect(page.clockBoundUs).toBeGreaterThan(0)
    }
    expect(r.browser?.clockBoundUs).toBe(Math.max(...(r.browser?.pages ?? []).map((p) => p.clockBoundUs)))
    expect(r.loadgens[0]?.cpuUserUs).toBeGreaterThan(0)
  }, 120_000)

  it('browser-tabs over HTTP/1.1: 8 SSE tabs of one context, tabs 7 and 8 receive nothing for the whole run', async () => {
    const scenario = loadScenario('browser-tabs')
    const r = await chromiumRound({ scenario, transport: 'sse', browser: browserLayoutOf('browser-tabs') ?? { clientsPerPage: 1, sharedContext: true } })
    const pages = r.browser?.pages ?? []
    expect(pages.map((p) => p.page)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    for (const page of pages.slice(0, 6)) {
      expect(page.received).toBeGreaterThan(0)
      expect(page.firstMessageMs).not.toBeNull()
    }
    for (const page of pages.slice(6)) expect(page).toMatchObject({ received: 0, firstMessageMs: null, neverConnected: 1 })
    expect(new Set(pages.map((p) => p.protocol))).toEqual(new Set(['http/1.1']))
    // what tabs 7 and 8 missed is loss, and the round says so
    expect(r.status).toBe('invalid')
    expect(r.invalidReasons.join('\n')).toMatch(/never arrived: c6 missed \d+ \(seq 1, .*c7 missed/)
  }, 120_000)

  it('browser-tabs over HTTP/2 (TLS, the run\'s certificate trusted by its key alone): all 8 SSE tabs of one context receive, over h2', async () => {
    const made = await makeCertificate()
    try {
      const r = await chromiumRound({
        scenario: loadScenario('browser-tabs'),
        transport: 'sse',
        browser: browserLayoutOf('browser-tabs') ?? { clientsPerPage: 1, sharedContext: true },
        variant: { tls: true, httpVersion: '2' },
        certificate: { dir: made.dir, certPem: made.certPem },
      })
      const pages = r.browser?.pages ?? []
      expect(pages).toHaveLength(8)
      for (const page of pages) {
        expect(page).toMatchObject({ protocol: 'h2', neverConnected: 0 })
        expect(page.received).toBeGreaterThan(0)
        expect(page.firstMessageMs).not.toBeNull()
      }
    } finally {
      made.remove()
    }
  }, 120_000)

  it('browser-tabs over HTTP/1.1: 8 long-poll tabs share the 6 connections, a poll at a time, and all receive', async () => {
    const scenario = loadScenario('browser-tabs')
    const r = await chromiumRound({ scenario, transport: 'long-poll', browser: browserLayoutOf('browser-tabs') ?? { clientsPerPage: 1, sharedContext: true } })
    const pages = r.browser?.pages ?? []
    expect(pages).toHaveLength(8)
    for (const page of pages) {
      expect(page.received).toBeGreaterThan(0)
      expect(page.neverConnected).toBe(0)
    }
    // a tab whose poll waits in the browser's queue behind 6 held ones can miss a message (its first poll
    // reaches the server after t0, or its last one after the drain on a loaded machine): nothing may go
    // unaccounted, and a miss is named as loss
    expect(r.counters.received + r.counters.lost).toBe(r.counters.expected)
    expect(r.counters.lost).toBeLessThanOrEqual(2 * pages.length)
    if (r.counters.lost > 0) expect(r.invalidReasons.join('\n')).toMatch(/never arrived/)
    else expect(r.missing).toEqual([])
  }, 120_000)
})
