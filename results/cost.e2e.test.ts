import { describe, expect, it } from 'vitest'
import { loadScenario } from '../scenarios/catalog.ts'
import { runRound } from '../runner/round.ts'
import { buildRoundResult, isRerunnable } from '../runner/round-result.ts'
import { judgeCapacityStep } from '../runner/capacity.ts'
import { NETWORK_PROFILES } from '../runner/network-profiles.ts'
import { costOf, MEMORY_NOT_MEASURED, roundCost, SECONDS_PER_MONTH } from './cost.ts'

describe('cost of a real round', () => {
  it('agrees with the round\'s own bytes and with the capacity step\'s CPU figure, and gives no memory figure for 3 clients', async () => {
    const scenario = loadScenario('ticker', { clients: 3, ratePerSec: 50, durationMs: 800, warmupMs: 200, drainMs: 500 })
    const plan = { scenario, transport: 'sse' as const, round: 1, order: 1, workers: 1, target: null, network: NETWORK_PROFILES.loopback }
    // as the suite does: a round whose generator saturated with nothing lost runs once more
    let round = buildRoundResult(await runRound(plan))
    if (isRerunnable(round)) round = buildRoundResult(await runRound(plan))
    expect(round.counters.received).toBeGreaterThan(0)
    const runMs = scenario.warmupMs + scenario.durationMs
    const cost = roundCost(round, runMs)
    // one code path for server CPU: the capacity search's step and the cost agree to the last digit
    expect(cost.serverCpuCores).toBe(judgeCapacityStep(round, 50, 60_000_000, runMs).serverCpuCores)
    expect(cost.serverCpuCores).toBeGreaterThan(0)
    expect(cost.serverCpuCores).toBeLessThan(1)
    // bytes per second each way = the round's bytes per message × its deliveries per second
    const perMessageDown = round.bytes.steadyRead / round.counters.received
    expect(cost.downBytesPerSec).toBeCloseTo(perMessageDown * round.deliveredPerSec, 6)
    expect(perMessageDown).toBeGreaterThan(scenario.payloadBytes)
    expect(cost.upBytesPerSec).toBeGreaterThanOrEqual(0)
    expect(cost.egressGbPerMonthPer10k).toBeCloseTo(cost.downBytesPerSec / 3 * 10_000 * SECONDS_PER_MONTH / 1e9, 6)
    expect(cost.coresPer10k).toBeCloseTo(cost.serverCpuCores / 3 * 10_000, 6)
    expect(cost.memoryPerConnectionBytes).toBeUndefined()
    // the summary over rounds takes valid rounds only (on a shared machine a generator may saturate twice: then none is left)
    const summary = costOf('ticker', 'sse', [round], scenario, 1)
    if (round.status === 'valid') {
      expect(summary.per10k.serverCores.median).toBe(cost.coresPer10k)
      expect(summary.memory).toEqual({ measured: false, reason: MEMORY_NOT_MEASURED })
    } else {
      expect(summary.validRounds).toBe(0)
    }
  }, 60_000)
})
