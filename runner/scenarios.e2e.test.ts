import { describe, expect, it } from 'vitest'
import type { RoundResult } from '../results/schema.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { loadScenario } from '../scenarios/catalog.ts'
import { NETWORK_PROFILES } from './network-profiles.ts'
import { runRamp } from './ramp.ts'
import { runRound } from './round.ts'
import { buildRoundResult } from './round-result.ts'

// Every new built-in scenario at a tiny size through the real runner: forked server and load generator
// on 127.0.0.1, 1–2 s windows, at most 6 clients. Figures are never asserted, only correctness.
const TINY = { warmupMs: 300, drainMs: 3_000 }

async function roundOf (name: string, transport: TransportName, overrides: Record<string, unknown>): Promise<RoundResult> {
  const scenario = loadScenario(name, { ...TINY, ...overrides })
  return buildRoundResult(await runRound({ scenario, transport, round: 1, order: 1, workers: 1, target: null, network: NETWORK_PROFILES.loopback }))
}

// A saturated load generator is a fact about this (shared, 2-core) machine at that moment, not about
// correctness: these tests check every other reason a round can be INVALID.
function correctnessProblems (reasons: readonly string[]): string[] {
  return reasons.filter((reason) => !reason.includes('saturated'))
}

function unexplainedLoss (r: RoundResult): number {
  return r.counters.lost - r.counters.gapNotified - (r.counters.lostToCuts ?? 0)
}

describe('built-in scenarios through the runner', () => {
  describe.each(['ws', 'sse', 'long-poll', 'poll'] as const)('%s', (transport) => {
    it('burst: every message of every burst is delivered, in order, once', async () => {
      const r = await roundOf('burst', transport, { clients: 4, ratePerSec: 100, burstSize: 50, durationMs: 1_000 })
      expect(correctnessProblems(r.invalidReasons)).toEqual([])
      expect(r.counters.expected).toBeGreaterThanOrEqual(4 * 100)
      expect(r.counters).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, received: r.counters.expected })
      // CPU per delivery is the measured window's: a part of the whole run's CPU, spread over the window's deliveries
      const windowServerCpuUs = r.server.cpuUsPerMessage * r.deliveredInWindow
      expect(windowServerCpuUs).toBeGreaterThan(0)
      expect(windowServerCpuUs).toBeLessThanOrEqual(r.server.process.cpuUserUs + r.server.process.cpuSystemUs)
      const windowLoadgenCpuUs = (r.loadgenCpuUsPerMessage ?? 0) * r.deliveredInWindow
      expect(windowLoadgenCpuUs).toBeGreaterThan(0)
      expect(windowLoadgenCpuUs).toBeLessThanOrEqual(r.loadgens.reduce((sum, p) => sum + p.cpuUserUs + p.cpuSystemUs, 0))
      // the cost's cores are the same window CPU over the window's wall time (timers a little late at either end)
      const cores = r.server.windowCpuCores ?? Number.NaN
      expect(cores).toBeGreaterThan(0)
      expect(cores * r.measuredMs * 1000 / windowServerCpuUs).toBeGreaterThan(0.8)
      expect(cores * r.measuredMs * 1000 / windowServerCpuUs).toBeLessThan(1.25)
    })

    it('reconnect: the server drops connections, the client resumes, and nothing is lost unexplained', async () => {
      const r = await roundOf('reconnect', transport, { clients: 5, faults: { dropSharePerSec: 1 }, durationMs: 1_500 })
      expect(r.server.faultDrops).toBeGreaterThan(0)
      // a short poll has no standing connection: a drop between polls costs a new socket, not a reconnect
      if (transport !== 'poll') expect(r.counters.reconnects).toBeGreaterThan(0)
      expect(r.recover === undefined).toBe(r.counters.reconnects === 0)
      expect(unexplainedLoss(r)).toBe(0)
      expect(correctnessProblems(r.invalidReasons)).toEqual([])
    })

    it('reconnect-restart: the server is killed and replaced on the same port, every client resets once, the new epoch is complete', async () => {
      const r = await roundOf('reconnect-restart', transport, {
        clients: 4,
        ratePerSec: 50,
        // the new server must start and every client find it with time to spare: a loaded machine takes
        // over a second to fork a server, and a window that ended meanwhile would leave nothing to reset to
        durationMs: 4_000,
        faults: { restartAtMs: 1_000 },
        transports: { poll: { intervalMs: 20 }, longPoll: { holdMs: 500 } },
      })
      expect(r.restart?.atMs).toBeGreaterThanOrEqual(1_000)
      expect(r.restart?.epochAfter).not.toBe(r.restart?.epochBefore)
      expect(r.restart?.note).toContain('unknowable')
      // one epoch change per client: the reset is counted, not a silent loss
      expect(r.counters.resets).toBe(4)
      expect(r.counters.receivedBeforeReset).toBeGreaterThan(0)
      // a streaming connection breaks (ws 1006 / SSE error) and is resumed; a poll socket can be replaced without an error
      if (transport === 'ws' || transport === 'sse') expect(r.counters.reconnects).toBeGreaterThanOrEqual(4)
      // the new epoch's ranges are reconciled in full
      expect(r.counters.expected).toBeGreaterThan(0)
      expect(unexplainedLoss(r)).toBe(0)
      expect(r.missing).toEqual([])
      expect(correctnessProblems(r.invalidReasons)).toEqual([])
    })
  })

  it('reconnect-restart is refused with --target, naming the option', async () => {
    const scenario = loadScenario('reconnect-restart')
    const plan = { scenario, transport: 'ws' as const, round: 1, order: 1, workers: 1, target: 'http://127.0.0.1:9', network: NETWORK_PROFILES.loopback }
    await expect(runRound(plan)).rejects.toMatchObject({ code: 'BENCH_ERR_OPTION_INVALID', message: expect.stringMatching(/--target.*faults\.restartAtMs/) })
  })

  describe.each(['ws', 'sse'] as const)('%s', (transport) => {
    it('slow-consumer: the frozen client is cut and counted on both sides, the others lose nothing', async () => {
      const r = await roundOf('slow-consumer', transport, { clients: 4, ratePerSec: 100, payloadBytes: 64 * 1024, durationMs: 2_000 })
      expect(r.server.slowConsumerCuts).toBe(1)
      expect(r.counters.slowConsumerCuts).toBe(1)
      // the cut client's missing messages are explained by the cut; nobody else misses one
      expect(r.counters.lostToCuts).toBeGreaterThan(0)
      expect(r.counters.lost).toBe(r.counters.lostToCuts)
      expect(correctnessProblems(r.invalidReasons)).toEqual([])
    })
  })

  it('fan-out-scale: a tiny ramp runs its steps with fresh servers and records connect rate and memory per connection', async () => {
    const scenario = loadScenario('fan-out-scale', { ...TINY, clients: 6, ratePerSec: 5, durationMs: 1_000, ramp: { steps: 2 } })
    const ramp = await runRamp({ scenario, transport: 'ws', workers: 1, target: null, network: NETWORK_PROFILES.loopback }, false)
    expect(ramp.steps.map((s) => s.clients)).toEqual([5, 6])
    const [first, second] = ramp.steps
    expect(correctnessProblems(first?.reasons ?? ['missing'])).toEqual([])
    expect(first?.connectRatePerSec).toBeGreaterThan(0)
    expect(first?.memoryPerConnectionBytes).toBeTypeOf('number')
    expect(first?.lost).toBe(0)
    // a failed step ends the ramp: the next one is skipped and says why
    if (first?.status === 'failed') expect(second).toEqual({ clients: 6, status: 'skipped', reasons: ['the ramp ended at 5 clients'] })
    else expect(correctnessProblems(second?.reasons ?? ['missing'])).toEqual([])
    expect(ramp.maxClientsUnderLimit).toBe(second?.status === 'passed' ? 6 : first?.status === 'passed' ? 5 : null)
  })
})
