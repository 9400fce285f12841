import { describe, expect, it } from 'vitest'
import { loadScenario } from '../scenarios/catalog.ts'
import type { CapacityStep } from '../results/schema.ts'
import { errorOf } from '../test-support/error-of.ts'
import { atLoad, limitOf, loadDimensionOf, projectCapacity } from './capacity.ts'

function step (load: number, deliveredPerSec: number, serverCpuCores: number, extra: Partial<CapacityStep> = {}): CapacityStep {
  return { load, clients: 20, status: 'passed', reasons: [], deliveredPerSec, targetPerSec: deliveredPerSec, serverCpuCores, ...extra }
}

describe('capacity search', () => {
  it('raises clients for a fan-out shape and the rate otherwise; refuses a scenario that injects faults', () => {
    expect(loadDimensionOf(loadScenario('fan-out-scale'))).toBe('clients')
    expect(loadDimensionOf(loadScenario('ticker'))).toBe('ratePerSec')
    expect(loadDimensionOf(loadScenario('chat'))).toBe('ratePerSec')
    const e = errorOf(() => loadDimensionOf(loadScenario('reconnect')))
    expect(e.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(e.message).toMatch(/^Invalid --capacity: with scenario "reconnect" \(allowed: a scenario whose load can be raised .* reconnect injects faults\.dropSharePerSec\)$/)
  })

  it('a step of a ramp scenario is one plain round at that load', () => {
    const s = atLoad(loadScenario('fan-out-scale'), 'clients', 2_000)
    expect([s.clients, s.ramp.steps, s.ratePerSec]).toEqual([2_000, 0, 1])
    expect(atLoad(loadScenario('ticker'), 'ratePerSec', 400).ratePerSec).toBe(400)
  })

  it('projects where the server core is full from the marginal CPU of the two passing loads farthest apart', () => {
    // 0.1 core fixed + 10 µs per delivery: full at 90,000 deliveries/s
    const steps = [step(200, 4_000, 0.14), step(400, 8_000, 0.18), step(800, 16_000, 0.26), { ...step(1_600, 32_000, 0.95), status: 'failed' as const, reasons: ['x'] }]
    const p = projectCapacity(steps, 1)
    expect(p?.fromLoads).toEqual([200, 800])
    expect(p?.marginalCpuUsPerDelivery).toBeCloseTo(10, 6)
    expect(p?.fixedCpuCores).toBeCloseTo(0.1, 6)
    expect(p?.deliveriesPerSec).toBeCloseTo(90_000, 3)
    expect(p?.load).toBeCloseTo(4_500, 3) // 20 deliveries per msg/s
    expect(projectCapacity(steps.slice(0, 1), 1)).toBeNull()
    expect(projectCapacity([step(1, 10, 0.5), step(2, 20, 0.4)], 1)).toBeNull() // CPU that falls with load projects nothing
  })

  it('names what ended a search: the server core before the generator, then the SLO, then delivery', () => {
    const failed = (extra: Partial<CapacityStep>): CapacityStep => ({ ...step(1_000, 20_000, 0.5), status: 'failed', reasons: [], ...extra })
    expect(limitOf(failed({ serverCpuCores: 0.95, generatorSaturated: true }), 1).limit).toBe('server-cpu')
    expect(limitOf(failed({ generatorSaturated: true }), 1).detail).toMatch(/not of the transport/)
    expect(limitOf(failed({ p99Us: 80_000, reasons: ['delivery p99 80.0 ms is above the SLO of 50 ms'] }), 1).limit).toBe('slo')
    expect(limitOf(failed({ reasons: ['delivered 90.0 % of the target'] }), 1).limit).toBe('delivery')
    expect(limitOf(failed({ serverCpuCores: 0.95 }), 2).limit).toBe('delivery') // 95 % of one core is not two cores full
  })
})
