import { describe, expect, it } from 'vitest'
import { errorOf } from '../test-support/error-of.ts'
import { exitCodeOf, EXIT } from '../core/command.ts'
import { parseBenchArgs, parseDurationMs } from './cli-options.ts'
import { checkClientsIn } from './preflight.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { listSkipped, planRounds } from './suite.ts'
import { NETWORK_PROFILES } from './network-profiles.ts'

describe('bench command line', () => {
  it('defaults to ticker-1k, chat-200 and notifications, all four transports, 3 rounds and one load generator; the gate profile to ticker and chat', () => {
    const o = parseBenchArgs([])
    expect(o.scenarios).toEqual(['ticker-1k', 'chat-200', 'notifications'])
    expect(parseBenchArgs(['--profile', 'ci']).scenarios).toEqual(['ticker', 'chat'])
    expect(parseBenchArgs(['--profile', 'ci', '--scenario', 'notifications']).scenarios).toEqual(['notifications'])
    expect(o.transports).toEqual(['ws', 'sse', 'long-poll', 'poll'])
    expect(o.rounds).toBe(3)
    expect(o.workers).toBe(1)
  })

  it('--quick shortens windows and runs one round', () => {
    const o = parseBenchArgs(['--quick'])
    expect(o.rounds).toBe(1)
    expect(o.overrides).toMatchObject({ durationMs: 2000 })
    expect(o.overrides).not.toHaveProperty('warmupMs')
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

  it('--tls and --http 2 make the variant; plain HTTP/1.1 by default', () => {
    expect(parseBenchArgs([]).variant).toEqual({ tls: false, httpVersion: '1.1' })
    expect(parseBenchArgs(['--tls']).variant).toEqual({ tls: true, httpVersion: '1.1' })
    expect(parseBenchArgs(['--tls', '--http', '2', '--transport', 'ws,sse']).variant).toEqual({ tls: true, httpVersion: '2' })
  })

  it.each([
    [['--tls', '--http', '3'], 'Invalid --http: "3" (allowed: 1.1 or 2 (HTTP/3 runs over QUIC, which Node 20 does not serve))'],
    [['--tls', '--http', 'h2'], 'Invalid --http: "h2" (allowed: 1.1 or 2 (HTTP/3 runs over QUIC, which Node 20 does not serve))'],
    [['--http', '2'], 'Invalid --http: "2" (allowed: 2 together with --tls (h2 runs over TLS here, as browsers speak it))'],
    [['--tls', '--http', '2', '--transport', 'ws'], 'Invalid --http: "2" (allowed: 2 only with sse, long-poll or poll among --transport ' +
      '(ws stays on HTTP/1.1: WebSocket over HTTP/2 (RFC 8441 extended CONNECT) is not supported by the ws package))'],
    [['--tls', '--target', 'http://127.0.0.1:8080'], 'Invalid --tls: true (allowed: only with servers the runner starts, not with --target ' +
      '(the runner makes the certificate the clients trust))'],
  ])('rejects %j with one message naming the option, the value and what is allowed', (args, message) => {
    const e = errorOf(() => parseBenchArgs(args))
    expect(e.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(e.message).toBe(message)
  })

  it('--http 2 with ws among other transports plans no ws round: ws is n/a with its reason', () => {
    const o = parseBenchArgs(['--tls', '--http', '2', '--transport', 'ws,sse'])
    const input = { ...o, scenarios: [loadScenario('ticker', o.overrides)] }
    expect(planRounds(input).map((p) => p.transport)).toEqual(['sse', 'sse', 'sse'])
    expect(planRounds(input).every((p) => p.variant?.httpVersion === '2')).toBe(true)
    expect(listSkipped(input)).toEqual([{ scenario: 'ticker', transport: 'ws', reason: expect.stringMatching(/^ws stays on HTTP\/1.1: .*RFC 8441/) }])
  })

  it('parses durations with units', () => {
    expect([parseDurationMs('x', '1500ms'), parseDurationMs('x', '2s'), parseDurationMs('x', '1m'), parseDurationMs('x', '250')])
      .toEqual([1500, 2000, 60_000, 250])
    expect(() => parseDurationMs('--duration', 'soon')).toThrow(/--duration.*500ms, 5s or 2m/)
  })

  it('names the available scenarios for an unknown one', () => {
    const e = errorOf(() => loadScenario('tickr'))
    expect(e.code).toBe('BENCH_ERR_UNKNOWN_SCENARIO')
    expect(e.message).toContain('available: ticker, chat, ticker-1k, chat-200, rpc, notifications, large-payload')
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

  it('runs the clients in Node unless --clients-in says chromium', () => {
    expect(parseBenchArgs([]).clientsIn).toBe('node')
    expect(parseBenchArgs(['--clients-in', 'chromium']).clientsIn).toBe('chromium')
  })

  it('rejects an unknown --clients-in value with the allowed ones, as a usage error', () => {
    const e = errorOf(() => parseBenchArgs(['--clients-in', 'firefox']))
    expect(e.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(e.message).toBe('Invalid --clients-in: "firefox" (allowed: node, chromium)')
    expect(exitCodeOf(e)).toBe(EXIT.usage)
  })

  it('refuses chromium clients without Debian\'s Chromium, naming the apt package, as an environment failure (exit 1)', () => {
    const e = errorOf(() => checkClientsIn('chromium', '/nonexistent/chromium'))
    expect(e.code).toBe('BENCH_ERR_ENVIRONMENT')
    expect(e.message).toBe('--clients-in chromium cannot run on this machine: /nonexistent/chromium is missing (install the Debian package chromium: apt-get install -y chromium)')
    expect(exitCodeOf(e)).toBe(EXIT.error)
    expect(() => checkClientsIn('node', '/nonexistent/chromium')).not.toThrow()
  })

  it('--loadgens: N generators split the clients, with --listen, --target and FEEDBENCH_TOKEN', () => {
    const env = { FEEDBENCH_TOKEN: 't' }
    const o = parseBenchArgs(['--loadgens', '3', '--listen', '0.0.0.0:9000', '--target', 'http://10.0.0.5:8080'], env)
    expect(o.remoteLoadgens).toEqual({ loadgens: 3, host: '0.0.0.0', port: 9000, waitMs: 60_000, token: 't' })
    expect(o.workers).toBe(3)
    expect(parseBenchArgs(['--loadgens', '1', '--listen', '[::1]:0', '--target', 'http://[::1]:8080', '--loadgen-wait', '5s'], env).remoteLoadgens)
      .toMatchObject({ host: '::1', port: 0, waitMs: 5000 })
  })

  it.each([
    [['--loadgens', '2', '--listen', '0.0.0.0:9000'], { FEEDBENCH_TOKEN: 't' }, /Invalid --loadgens: "2" \(allowed: with --target URL/],
    [['--loadgens', '2', '--target', 'http://h:1'], { FEEDBENCH_TOKEN: 't' }, /Invalid --listen: null \(allowed: HOST:PORT/],
    [['--loadgens', '2', '--listen', '0.0.0.0:9000', '--target', 'http://h:1'], {}, /Invalid FEEDBENCH_TOKEN: \(not set\)/],
    [['--loadgens', '0', '--listen', '0.0.0.0:9000', '--target', 'http://h:1'], { FEEDBENCH_TOKEN: 't' }, /Invalid --loadgens: "0" \(allowed: an integer from 1 to 1000\)/],
    [['--loadgens', '2', '--workers', '2', '--listen', '0.0.0.0:9000', '--target', 'http://h:1'], { FEEDBENCH_TOKEN: 't' }, /Invalid --workers/],
    [['--listen', '0.0.0.0:9000'], {}, /Invalid --listen: "0.0.0.0:9000" \(allowed: only with --loadgens N\)/],
  ])('--loadgens: %j is refused before any load, naming the option', (argv, env, message) => {
    const e = errorOf(() => parseBenchArgs(argv, env))
    expect(e.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(e.message).toMatch(message)
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
