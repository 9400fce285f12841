import { describe, expect, it } from 'vitest'
import { buildSampleResult } from '../results/fixtures/build-sample.ts'
import { TRANSPORT_NAMES } from '../core/wire-protocol.ts'
import { browserLayoutOf, BUILTIN_SCENARIOS, DEFAULT_SCENARIOS, GATE_SCENARIOS, loadScenario, notApplicableTo } from './catalog.ts'
import { splitClients } from '../runner/round.ts'
import { NETWORK_PROFILES } from '../runner/network-profiles.ts'
import { judgeStep, plannedSteps, rampClientSteps } from '../runner/ramp.ts'
import { listSkipped, planRounds } from '../runner/suite.ts'

const NEW_SCENARIOS = ['burst', 'reconnect', 'reconnect-restart', 'slow-consumer', 'fan-out-scale']

describe('scenario catalog', () => {
  it('registers the new scenarios; the default suite runs hundreds to thousands of connections, the gate its small busy pair', () => {
    for (const name of NEW_SCENARIOS) expect(Object.keys(BUILTIN_SCENARIOS)).toContain(name)
    expect(DEFAULT_SCENARIOS).toEqual(['ticker-1k', 'chat-200', 'notifications'])
    for (const name of DEFAULT_SCENARIOS) expect(loadScenario(name).clients).toBeGreaterThanOrEqual(200)
    expect(GATE_SCENARIOS).toEqual(['ticker', 'chat'])
  })

  it('resolves every built-in scenario, without the catalog-only notApplicable key', () => {
    for (const name of Object.keys(BUILTIN_SCENARIOS)) {
      const config = loadScenario(name)
      expect(config.name).toBe(name)
      expect(config).not.toHaveProperty('notApplicable')
    }
  })

  it('states a reason for every transport a scenario does not apply to', () => {
    expect(Object.keys(notApplicableTo('slow-consumer')).sort()).toEqual(['long-poll', 'poll'])
    expect(Object.keys(notApplicableTo('fan-out-scale'))).toEqual(['poll'])
    expect(notApplicableTo('ticker')).toEqual({})
    expect(notApplicableTo('./my-file.json')).toEqual({})
    for (const name of Object.keys(BUILTIN_SCENARIOS)) {
      for (const reason of Object.values(notApplicableTo(name))) expect(reason.length).toBeGreaterThan(20)
    }
  })
})

describe('browser-tabs', () => {
  it('puts its 8 clients on 8 pages of one browser context when the clients run in Chromium, and only then', () => {
    const scenario = loadScenario('browser-tabs')
    expect(scenario.clients).toBe(8)
    expect(scenario).not.toHaveProperty('browser')
    const input = { scenarios: [scenario], transports: ['sse', 'long-poll'] as const, rounds: 1, workers: 1, target: null, network: NETWORK_PROFILES.loopback, browserLayouts: { 'browser-tabs': browserLayoutOf('browser-tabs') } }
    const [chromiumPlan] = planRounds({ ...input, clientsIn: 'chromium' })
    expect(chromiumPlan).toMatchObject({ clientsIn: 'chromium', browser: { clientsPerPage: 1, sharedContext: true } })
    expect(splitClients(chromiumPlan!, 'http://127.0.0.1:1')).toMatchObject([{ clientCount: 8, clientsPerPage: 1, sharedBrowserContext: true }])
    const [nodePlan] = planRounds(input)
    expect(nodePlan).not.toHaveProperty('clientsIn')
    expect(splitClients(nodePlan!, 'http://127.0.0.1:1')[0]).not.toHaveProperty('clientsPerPage')
    expect(Object.keys(notApplicableTo('browser-tabs')).sort()).toEqual(['poll', 'ws'])
  })
})

describe('runner plan', () => {
  const input = {
    scenarios: ['ticker', 'slow-consumer', 'fan-out-scale'].map((name) => loadScenario(name)),
    transports: TRANSPORT_NAMES,
    rounds: 2,
    workers: 1,
    target: null,
    network: NETWORK_PROFILES.loopback,
    notApplicable: Object.fromEntries(['ticker', 'slow-consumer', 'fan-out-scale'].map((name) => [name, notApplicableTo(name)])),
  }

  it('leaves out transports a scenario does not apply to, and ramp scenarios, and lists the skipped pairs with their reason', () => {
    const plans = planRounds(input)
    const pairs = new Set(plans.map((p) => `${p.scenario.name}/${p.transport}`))
    expect([...pairs].sort()).toEqual(['slow-consumer/sse', 'slow-consumer/ws', 'ticker/long-poll', 'ticker/poll', 'ticker/sse', 'ticker/ws'])
    expect(plans).toHaveLength(2 * 6)
    expect(listSkipped(input)).toEqual([
      { scenario: 'slow-consumer', transport: 'long-poll', reason: notApplicableTo('slow-consumer')['long-poll'] },
      { scenario: 'slow-consumer', transport: 'poll', reason: notApplicableTo('slow-consumer').poll },
      { scenario: 'fan-out-scale', transport: 'poll', reason: notApplicableTo('fan-out-scale').poll },
    ])
  })
})

describe('client ramp', () => {
  it('steps through the 1-2.5-5 series up to the top: 15,000 in 5 steps, 1,000 in 3 with --quick', () => {
    expect(rampClientSteps(15_000, 5)).toEqual([1_000, 2_500, 5_000, 10_000, 15_000])
    expect(rampClientSteps(10, 3)).toEqual([1, 5, 10]) // 2.5 is not a client count
    expect(rampClientSteps(7, 1)).toEqual([7])
    const fanOut = loadScenario('fan-out-scale')
    expect(plannedSteps(fanOut, false)).toEqual([1_000, 2_500, 5_000, 10_000, 15_000])
    expect(plannedSteps(fanOut, true)).toEqual([250, 500, 1_000])
  })

  it('passes a step that is valid, free of connection errors and below the p99 limit; fails it otherwise, with the reason', () => {
    const round = buildSampleResult({ transports: ['ws'], rounds: 1 }).rounds[0]
    if (round === undefined) throw new Error('the fixture has no round')
    const limitUs = round.latency.p99Us + 1
    expect(judgeStep(round, limitUs)).toMatchObject({ clients: round.clients, status: 'passed', reasons: [], p99Us: round.latency.p99Us })
    expect(judgeStep(round, round.latency.p99Us)).toMatchObject({ status: 'failed', reasons: [expect.stringContaining('is not below')] })
    const withErrors = { ...round, counters: { ...round.counters, errors: 3 } }
    expect(judgeStep(withErrors, limitUs)).toMatchObject({ status: 'failed', reasons: ['3 connection errors'] })
  })
})
