import { describe, expect, it } from 'vitest'
import { errorOf } from '../test-support/error-of.ts'
import { parseBenchArgs, parseDurationMs } from './cli-options.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { planRounds } from './suite.ts'
import { NETWORK_PROFILES } from './network-profiles.ts'

describe('bench command line', () => {
  it('defaults to both starting scenarios, all four transports, 3 rounds and one load generator', () => {
    const o = parseBenchArgs([])
    expect(o.scenarios).toEqual(['ticker', 'chat'])
    expect(o.transports).toEqual(['ws', 'sse', 'long-poll', 'poll'])
    expect(o.rounds).toBe(3)
    expect(o.workers).toBe(1)
  })

  it('--quick shortens windows and runs one round', () => {
    const o = parseBenchArgs(['--quick'])
    expect(o.rounds).toBe(1)
    expect(o.overrides).toMatchObject({ durationMs: 2000, warmupMs: 500 })
  })

  it('layers flags over the scenario', () => {
    const o = parseBenchArgs(['--duration', '3s', '--clients', '7', '--rate', '50'])
    const s = loadScenario('ticker', o.overrides)
    expect([s.durationMs, s.clients, s.ratePerSec, s.payloadBytes]).toEqual([3000, 7, 50, 128])
  })

  it('--server-cpus: a core the machine does not have is refused before any load, naming the option', () => {
    const e = errorOf(() => parseBenchArgs(['--server-cpus', '4095']))
    expect(e.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(e.message).toMatch(/^Invalid --server-cpus: "4095" \(allowed: cores this machine lets the run use: /)
    expect(parseBenchArgs(['--server-cpus', 'none']).cpus).toEqual({ server: null, loadgens: null, unpinnedReason: '--server-cpus none' })
  })

  it('rejects an unknown transport naming it and the allowed ones', () => {
    const e = errorOf(() => parseBenchArgs(['--transport', 'ws,grpc']))
    expect(e.code).toBe('BENCH_ERR_UNKNOWN_TRANSPORT')
    expect(e.message).toBe('Unknown transport "grpc" (available: ws, sse, long-poll, poll)')
  })

  it('rejects an unknown option', () => {
    expect(errorOf(() => parseBenchArgs(['--rounds-per', '3'])).code).toBe('BENCH_ERR_OPTION_INVALID')
  })

  it.each([['--rounds', '0'], ['--rounds', 'x'], ['--workers', '0.5']])('rejects %s %s', (flag, value) => {
    const e = errorOf(() => parseBenchArgs([`${flag}=${value}`]))
    expect(e.message).toContain(`Invalid ${flag}: "${value}"`)
  })

  it('rejects a rate of 0 before any load, through the scenario schema', () => {
    const o = parseBenchArgs(['--rate', '0'])
    expect(errorOf(() => loadScenario('ticker', o.overrides)).message).toContain('ratePerSec = 0 is not allowed')
  })

  it('rejects a non-http target', () => {
    expect(errorOf(() => parseBenchArgs(['--target', 'ftp://127.0.0.1'])).message).toContain('--target')
  })

  it('parses durations with units', () => {
    expect([parseDurationMs('x', '1500ms'), parseDurationMs('x', '2s'), parseDurationMs('x', '1m'), parseDurationMs('x', '250')])
      .toEqual([1500, 2000, 60_000, 250])
    expect(() => parseDurationMs('--duration', 'soon')).toThrow(/--duration.*500ms, 5s or 2m/)
  })

  it('names the available scenarios for an unknown one', () => {
    const e = errorOf(() => loadScenario('tickr'))
    expect(e.code).toBe('BENCH_ERR_UNKNOWN_SCENARIO')
    expect(e.message).toContain('available: ticker, chat, rpc, notifications, large-payload')
  })
})

describe('round planning', () => {
  it('interleaves rounds: every transport once per round per scenario, in a random order', () => {
    const scenarios = [loadScenario('ticker'), loadScenario('chat')]
    let x = 0.1
    const plans = planRounds({ scenarios, transports: ['ws', 'sse', 'long-poll', 'poll'], rounds: 3, workers: 1, target: null, network: NETWORK_PROFILES.loopback },
      () => { x = (x * 9301 + 0.49297) % 1; return x })
    expect(plans).toHaveLength(24)
    expect(plans.map((p) => p.order)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1))
    for (let i = 0; i < 24; i += 4) {
      expect(new Set(plans.slice(i, i + 4).map((p) => p.transport)).size).toBe(4)
      expect(new Set(plans.slice(i, i + 4).map((p) => `${p.scenario.name}/${p.round}`)).size).toBe(1)
    }
    const orders = new Set([0, 4, 8, 12, 16, 20].map((i) => plans.slice(i, i + 4).map((p) => p.transport).join()))
    expect(orders.size).toBeGreaterThan(1)
  })

  it('--map: default axes, coarser with --quick, own axes parsed and sorted', () => {
    expect(parseBenchArgs([]).map).toBeNull()
    expect(parseBenchArgs(['--map']).map).toEqual({ ratesPerSec: [0.01, 0.1, 1, 10, 100], clients: [100, 1_000, 5_000] })
    expect(parseBenchArgs(['--map', '--quick']).map).toEqual({ ratesPerSec: [0.01, 1, 100], clients: [100] })
    expect(parseBenchArgs(['--map', '--map-rates', '10, 0.5', '--map-clients', '200']).map).toEqual({ ratesPerSec: [0.5, 10], clients: [200] })
    expect(parseBenchArgs(['--map', '--max-time', '2m']).maxTimeMs).toBe(120_000)
  })

  it.each([
    [['--map', '--capacity'], 'Invalid --map: with --capacity (allowed: either --map or --capacity, not both)'],
    [['--map-rates', '1'], 'Invalid --map-rates: "1" (allowed: only with --map)'],
    [['--map', '--map-rates', '0'], /^Invalid --map-rates: "0" \(allowed: a comma-separated list of per-client rates in msg\/s, each > 0 and <= 1000/],
    [['--map', '--map-rates', '1,,2'], /^Invalid --map-rates: "1,,2"/],
    [['--map', '--map-clients', '1.5'], /^Invalid --map-clients: "1.5" \(allowed: a comma-separated list of connection counts, each an integer from 1 to 20,000/],
    [['--map', '--clients', '10'], 'Invalid --clients: "10" (allowed: not with --map: use --map-clients)'],
    [['--map', '--scenario', 'ticker'], 'Invalid --scenario: "ticker" (allowed: not with --map: the map runs its own workload (one stream per client))'],
  ])('--map refuses %j before any load, naming the option', (args, message) => {
    const e = errorOf(() => parseBenchArgs(args))
    expect(e.code).toBe('BENCH_ERR_OPTION_INVALID')
    if (typeof message === 'string') expect(e.message).toBe(message)
    else expect(e.message).toMatch(message)
  })
})
