import { afterEach, describe, expect, it } from 'vitest'
import { nowUs, sleep } from '../core/clock.ts'
import { createPublishClock, type PublishClock } from './publish-clock.ts'

const clocks: PublishClock[] = []

function clockFor (options: Parameters<typeof createPublishClock>[0]): PublishClock {
  const clock = createPublishClock(options)
  clocks.push(clock)
  return clock
}

afterEach(async () => {
  for (const clock of clocks.splice(0)) await clock.close()
})

describe.each(['worker', 'timeout'] as const)('publish clock (%s)', (kind) => {
  it('fires callbacks in deadline order, ties first come first, and never before their deadline', async () => {
    const clock = clockFor({ kind })
    await sleep(100) // the worker comes online
    const startUs = nowUs()
    // far (worker wake-up), near (within the lead: spun to directly), past, and ties; added out of order
    const offsetsUs = [30_000, 120, 5_000, 0, 5_000, 15_000, 250, -1_000, 2_000, 30_000, 700, 9_000]
    const fired: Array<{ id: number, deadlineUs: number, atUs: number }> = []
    offsetsUs.forEach((offsetUs, id) => {
      const deadlineUs = startUs + offsetUs
      clock.at(deadlineUs, () => { fired.push({ id, deadlineUs, atUs: nowUs() }) })
    })
    await sleep(150)
    const expected = offsetsUs.map((offsetUs, id) => ({ id, offsetUs })).sort((a, b) => a.offsetUs - b.offsetUs || a.id - b.id)
    expect(fired.map((f) => f.id)).toEqual(expected.map((e) => e.id))
    for (const f of fired) expect(f.atUs).toBeGreaterThanOrEqual(f.deadlineUs)
    expect(clock.kind).toBe(kind)
  })

  it('never runs a cancelled callback and still runs the others', async () => {
    const clock = clockFor({ kind })
    const ran: string[] = []
    const startUs = nowUs()
    const cancelFirst = clock.at(startUs + 3_000, () => { ran.push('first') })
    clock.at(startUs + 6_000, () => { ran.push('second') })
    const cancelThird = clock.at(startUs + 9_000, () => { ran.push('third') })
    cancelFirst()
    cancelThird()
    await sleep(60)
    expect(ran).toEqual(['second'])
  })

  it('runs a callback added by a callback at its own deadline, not in the same wake-up', async () => {
    const clock = clockFor({ kind })
    const atUs: number[] = []
    const firstUs = nowUs() + 2_000
    clock.at(firstUs, () => {
      atUs.push(nowUs())
      clock.at(firstUs + 3_000, () => { atUs.push(nowUs()) })
    })
    await sleep(60)
    expect(atUs).toHaveLength(2)
    expect(atUs[0]).toBeGreaterThanOrEqual(firstUs)
    expect(atUs[1]).toBeGreaterThanOrEqual(firstUs + 3_000)
  })

  it('close() cancels every callback and the worker thread exits', async () => {
    const clock = clockFor({ kind })
    let hasRun = false
    clock.at(nowUs() + 20_000, () => { hasRun = true })
    await clock.close()
    await clock.exited
    await sleep(40)
    expect(hasRun).toBe(false)
  })
})

describe('publish clock', () => {
  it('spins the main thread at most from lead before the deadline to the firing, and counts it', async () => {
    const leadUs = 20_000 // long enough that the worker's wake-up always leaves some of it to spin
    const clock = clockFor({ leadUs })
    await sleep(100)
    const deadlineUs = nowUs() + 30_000
    let firedUs = 0
    clock.at(deadlineUs, () => { firedUs = nowUs() })
    await sleep(80)
    expect(clock.kind).toBe('worker')
    expect(firedUs).toBeGreaterThanOrEqual(deadlineUs)
    expect(clock.spinUs).toBeGreaterThan(0)
    expect(clock.spinUs).toBeLessThanOrEqual(firedUs - (deadlineUs - leadUs))
  })

  it('the setTimeout clock never spins and has no lead', async () => {
    const clock = clockFor({ kind: 'timeout', leadUs: 5_000 })
    const startUs = nowUs()
    for (const offsetUs of [100, 1_000, 3_000]) clock.at(startUs + offsetUs, () => {})
    await sleep(30)
    expect(clock.spinUs).toBe(0)
    expect(clock.leadUs).toBe(0)
  })

  it('rejects a lead that is not a whole number of µs >= 0', () => {
    expect(() => createPublishClock({ leadUs: -1 })).toThrow(/leadUs must be an integer >= 0 µs \(got -1\)/)
    expect(() => createPublishClock({ leadUs: 2.5 })).toThrow(RangeError)
  })
})
