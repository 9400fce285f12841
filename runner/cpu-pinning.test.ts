import { describe, expect, it } from 'vitest'
import { formatCpuList, parseCpuList } from '../core/cpu-list.ts'
import { errorOf } from '../test-support/error-of.ts'
import { forkChild } from './children.ts'
import { allowedCpus, planCpuPinning } from './cpu-pinning.ts'

const always = (): boolean => true

describe('CPU lists', () => {
  it('parses and formats the kernel\'s notation', () => {
    expect(parseCpuList('0-3,6')).toEqual([0, 1, 2, 3, 6])
    expect(parseCpuList(' 2 ')).toEqual([2])
    expect(parseCpuList('1,0,1')).toEqual([0, 1])
    for (const bad of ['', 'a', '3-1', '-1', '0,,1', '1.5']) expect(parseCpuList(bad)).toBeNull()
    expect(formatCpuList([0, 1, 2, 3, 6])).toBe('0-3,6')
    expect(formatCpuList([1])).toBe('1')
  })
})

describe('planCpuPinning', () => {
  it('gives the server the first core and the generators the rest by default', () => {
    expect(planCpuPinning(undefined, null, [0, 1, 2, 3], always)).toEqual({ server: [0], loadgens: [1, 2, 3] })
    expect(planCpuPinning('2-3', null, [0, 1, 2, 3], always)).toEqual({ server: [2, 3], loadgens: [0, 1] })
  })

  it('says why nothing is pinned instead of pinning silently wrong', () => {
    expect(planCpuPinning(undefined, null, [0], always).unpinnedReason).toMatch(/only one core/)
    expect(planCpuPinning(undefined, null, [0, 1], () => false).unpinnedReason).toMatch(/taskset is missing/)
    expect(planCpuPinning(undefined, 'http://127.0.0.1:1', [0, 1], always).unpinnedReason).toMatch(/--target/)
    expect(planCpuPinning('none', null, [0, 1], always)).toEqual({ server: null, loadgens: null, unpinnedReason: '--server-cpus none' })
  })

  it('refuses a core that does not exist, a list leaving none for the generators, and a non-list, naming the option', () => {
    const missing = errorOf(() => planCpuPinning('7', null, [0, 1], always))
    expect(missing.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(missing.message).toBe('Invalid --server-cpus: "7" (allowed: cores this machine lets the run use: 0-1 (core 7 is not one))')
    expect(errorOf(() => planCpuPinning('0-1', null, [0, 1], always)).message)
      .toBe('Invalid --server-cpus: "0-1" (allowed: a subset of 0-1 that leaves at least one core for the load generators)')
    expect(errorOf(() => planCpuPinning('first', null, [0, 1], always)).message)
      .toBe('Invalid --server-cpus: "first" (allowed: a CPU list such as 0 or 0-1,4, or none)')
  })
})

describe('forkChild on cores', () => {
  const allowed = allowedCpus() ?? []
  it.skipIf(allowed.length < 2)('starts the process with only the given cores in its affinity mask', async () => {
    const core = allowed[allowed.length - 1] as number
    const child = forkChild<{ type: 'cpus', list: string }>('test-support/affinity-probe.ts', [], 'affinity probe', [core])
    try {
      const m = await child.next((x): x is { type: 'cpus', list: string } => x.type === 'cpus', 20_000, 'its affinity')
      expect(m.list).toBe(String(core))
    } finally {
      await child.stop(null, 5_000)
    }
  })
})
