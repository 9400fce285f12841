import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Heartbeat, HEARTBEAT_SLICES } from './heartbeat.ts'

describe('heartbeat', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('beats every member once per interval, never all of them in one tick', () => {
    const beats: number[] = []
    const ticks = new Map<number, number>()
    const hb = new Heartbeat<number>(1_600, (m) => {
      beats.push(m)
      ticks.set(Date.now(), (ticks.get(Date.now()) ?? 0) + 1)
    })
    const members = Array.from({ length: 1_600 }, (_, i) => i)
    // members join over one interval, as connections do
    for (const m of members) {
      hb.add(m)
      vi.advanceTimersByTime(1)
    }
    beats.length = 0
    ticks.clear()
    vi.advanceTimersByTime(3 * 1_600)
    const perMember = new Map<number, number>()
    for (const m of beats) perMember.set(m, (perMember.get(m) ?? 0) + 1)
    expect([...perMember.values()].every((n) => n === 3)).toBe(true)
    expect(perMember.size).toBe(members.length)
    expect(Math.max(...ticks.values())).toBeLessThanOrEqual(Math.ceil(members.length / HEARTBEAT_SLICES) + 1)
  })

  it('first beats a member one interval after it joined (less at most one slice), and stops with the last member', () => {
    const beatAt: number[] = []
    const hb = new Heartbeat<string>(1_600, () => { beatAt.push(Date.now()) })
    const start = Date.now()
    hb.add('a')
    vi.advanceTimersByTime(350)
    hb.add('b')
    const bJoined = Date.now()
    beatAt.length = 0
    vi.advanceTimersByTime(1_600)
    expect(beatAt).toHaveLength(2)
    expect(beatAt[0]).toBe(start + 1_600)
    expect(beatAt[1] as number - bJoined).toBeGreaterThan(1_600 - 1_600 / HEARTBEAT_SLICES)
    expect(beatAt[1] as number - bJoined).toBeLessThanOrEqual(1_600)
    hb.delete('a')
    hb.delete('b')
    expect(vi.getTimerCount()).toBe(0)
  })
})
