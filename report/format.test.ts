import { describe, expect, it } from 'vitest'
import { formatUs } from './format.ts'

describe('formatUs', () => {
  it('picks the unit after rounding, so a value just below a unit boundary reads in the next unit', () => {
    expect(formatUs(850)).toBe('850 µs')
    expect(formatUs(999.6)).toBe('1.00 ms')
    expect(formatUs(1_230)).toBe('1.23 ms')
    expect(formatUs(999_700)).toBe('1.00 s')
    expect(formatUs(2_050_000)).toBe('2.05 s')
    expect(formatUs(Number.NaN)).toBe('–')
  })
})
