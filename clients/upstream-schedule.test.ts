import { describe, expect, it } from 'vitest'
import { nowUs, sleep } from '../core/clock.ts'
import { startUpstream } from './upstream-schedule.ts'

describe('startUpstream', () => {
  it('schedules message k of client i at t0 + (i / clients + k) / rate and stops at the end', () => {
    const t0Us = nowUs() - 2_000_000 // every message of the plan is already due
    const sent: Array<{ local: number, seq: number, tSchedUs: number }> = []
    const schedule = startUpstream({
      t0Us,
      endUs: t0Us + 1_000_000,
      ratePerSec: 10,
      firstIndex: 3,
      totalClients: 6,
      localClients: 3,
      send: (local, seq, tSchedUs) => sent.push({ local, seq, tSchedUs }),
    })
    schedule.stop()
    expect(sent).toHaveLength(30)
    for (const { local, seq, tSchedUs } of sent) {
      expect(tSchedUs).toBe(Math.round(t0Us + ((3 + local) / 6 + seq - 1) * 100_000))
    }
    expect(sent.map((s) => s.tSchedUs)).toEqual([...sent.map((s) => s.tSchedUs)].sort((a, b) => a - b))
    expect(schedule.lag.histogram.totalCount).toBe(30)
  })

  it('sends nothing after stop()', async () => {
    let count = 0
    const t0Us = nowUs()
    const schedule = startUpstream({ t0Us, endUs: t0Us + 10_000_000, ratePerSec: 1_000, firstIndex: 0, totalClients: 1, localClients: 1, send: () => { count++ } })
    await sleep(30)
    schedule.stop()
    const atStop = count
    await sleep(30)
    expect(atStop).toBeGreaterThan(0)
    expect(count).toBe(atStop)
  })
})
