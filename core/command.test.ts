import { describe, expect, it } from 'vitest'
import { errorOf } from '../test-support/error-of.ts'
import { EXIT, exitCodeOf, parseCommandLine } from './command.ts'
import { errors } from './errors.ts'

const OPTIONS = { port: { type: 'string' }, idle: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const
const parse = (args: string[], allowed?: string) => parseCommandLine({ args, options: OPTIONS }, allowed)

describe('parseCommandLine', () => {
  it('returns what node:util parseArgs returns', () => {
    expect(parse(['--port', '80', '--idle']).values).toEqual({ port: '80', idle: true })
  })

  it.each([
    [['--bogus'], 'Invalid --bogus: not an option (allowed: --port, --idle, --help)'],
    [['--port'], 'Invalid --port: no value given (allowed: --port, --idle, --help)'],
    [['--idle=yes'], 'Invalid --idle: takes no value (allowed: --port, --idle, --help)'],
    [['extra'], 'Invalid argument: "extra" (allowed: --port, --idle, --help)'],
  ])('turns a parse failure of %j into a usage error naming the option', (args, message) => {
    const err = errorOf(() => parse(args))
    expect(err.code).toBe('BENCH_ERR_OPTION_INVALID')
    expect(err.message).toBe(message)
    expect(exitCodeOf(err)).toBe(EXIT.usage)
  })

  it('says what is allowed in the caller\'s words when given', () => {
    expect(errorOf(() => parse(['-x'], 'see --help')).message).toBe('Invalid -x: not an option (allowed: see --help)')
  })
})

describe('exitCodeOf', () => {
  it('gives usage for bad input, error for any other failure', () => {
    expect(exitCodeOf(new errors.BENCH_ERR_UNKNOWN_SCENARIO('"x"', 'ticker'))).toBe(EXIT.usage)
    expect(exitCodeOf(new errors.BENCH_ERR_PORT_IN_USE('80', '127.0.0.1'))).toBe(EXIT.error)
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT.error)
  })
})
