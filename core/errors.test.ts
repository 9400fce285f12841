import { describe, expect, it } from 'vitest'
import { errors, isBenchError } from './errors.ts'

describe('error registry', () => {
  it.each(Object.entries(errors))('%s: key equals the code of the error it builds', (key, ErrorClass) => {
    const err = new ErrorClass('a', 'b', 'c')
    expect(err.code).toBe(key)
    expect(isBenchError(err)).toBe(true)
  })

  it('keeps a cause passed as the last argument', () => {
    const cause = new Error('root')
    const err = new errors.BENCH_ERR_SCENARIO_FILE('x.json', 'bad', { cause })
    expect(err.cause).toBe(cause)
    expect(err.message).toBe('Cannot read scenario file x.json: bad')
  })

  it('does not take foreign errors for its own', () => {
    expect(isBenchError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false)
  })
})
