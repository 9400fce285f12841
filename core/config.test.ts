import { describe, expect, it } from 'vitest'
import { maxMessageBytes, resolveScenario } from './config.ts'

const base = { name: 'unit', pattern: 'broadcast' }

function messageOf (input: unknown): string {
  try {
    resolveScenario(input)
  } catch (err) {
    expect((err as { code: string }).code).toBe('BENCH_ERR_CONFIG_INVALID')
    return (err as Error).message
  }
  throw new Error('expected the config to be rejected')
}

describe('resolveScenario', () => {
  it('fills every default and freezes the result', () => {
    const config = resolveScenario(base)
    expect(config.clients).toBe(10)
    expect(config.writePolicy).toBe('per-tick')
    expect(config.transports.ws.perMessageDeflate).toBe(false)
    expect(config.transports.longPoll.holdMs).toBe(25_000)
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.transports.ws)).toBe(true)
  })

  it('does not mutate its input', () => {
    const input = { ...base, transports: { ws: { perMessageDeflate: true } } }
    resolveScenario(input)
    expect(input).toEqual({ ...base, transports: { ws: { perMessageDeflate: true } } })
  })

  it('rejects an unknown top-level key by name and lists the allowed ones', () => {
    expect(messageOf({ ...base, rate: 5 })).toMatch(/unknown key "rate" \(allowed here: name, .*ratePerSec/)
  })

  it('rejects an unknown nested key with its full path', () => {
    expect(messageOf({ ...base, transports: { ws: { perMesageDeflate: true } } })).toContain('unknown key "transports.ws.perMesageDeflate"')
  })

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('rejects ratePerSec = %s naming the value and the range', (rate) => {
    expect(messageOf({ ...base, ratePerSec: rate })).toMatch(/ratePerSec = .* is not allowed \(a number > 0 <= 1000000\)/)
  })

  it('rejects a payload above the 16 MiB ceiling', () => {
    expect(messageOf({ ...base, payloadBytes: 16 * 1024 * 1024 + 1 })).toContain('payloadBytes = 16777217 is not allowed')
  })

  it('rejects an unknown pattern listing the allowed ones', () => {
    expect(messageOf({ ...base, pattern: 'gossip' })).toContain('one of "broadcast", "per-client", "request-response", "chat"')
  })

  it('rejects a long-poll hold at or above the client timeout', () => {
    expect(messageOf({ ...base, clientTimeoutMs: 5_000, transports: { longPoll: { holdMs: 5_000 } } }))
      .toContain('holdMs = 5000 must be below clientTimeoutMs = 5000')
  })

  it('rejects what is not an object', () => {
    expect(messageOf([1, 2])).toContain('expected a JSON object')
  })

  it('sizes the message limit from the larger payload', () => {
    expect(maxMessageBytes(resolveScenario({ ...base, payloadBytes: 1000, upstreamPayloadBytes: 10 }))).toBe(1512)
  })
})
