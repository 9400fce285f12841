import fc from 'fast-check'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { mergeOptions, resolveScenario, ScenarioSchema, type ScenarioConfig } from './config.ts'

const SEED = 0x5eed
const BASE = { name: 'fuzz', pattern: 'broadcast' }

// every settable key path of the schema, so mutations hit real options, not only unknown keys
const PATHS = [
  'name', 'description', 'pattern', 'clients', 'ratePerSec', 'payloadBytes', 'upstreamPayloadBytes', 'durationMs',
  'warmupMs', 'drainMs', 'seed', 'writePolicy', 'ringSize', 'sendBufferCapBytes', 'clientTimeoutMs', 'connectConcurrency',
  'allowedOrigins', 'allowedHosts', 'transports', 'transports.ws', 'transports.ws.perMessageDeflate', 'transports.ws.heartbeatMs',
  'transports.sse.heartbeatMs', 'transports.longPoll.holdMs', 'transports.poll.intervalMs',
  // keys that are not in the schema, the prototype's among them
  'rate', '__proto__', 'constructor', 'transports.__proto__', 'transports.ws.__proto__', 'toString',
]

/** Values a hand-written or corrupted scenario file can hold, edge numbers included. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(0, -0, -1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 0xFFFFFFFF + 1, '', 'NaN', '1e3', null, [], {}, [[]], { __proto__: null }),
  fc.integer(),
  fc.double(),
  fc.string()
)

/** Outcome of one resolve: the frozen config, or the coded error it must be. */
function tryResolve (input: unknown): ScenarioConfig | Error {
  try {
    return resolveScenario(input, 'fuzz')
  } catch (err) {
    return err as Error
  }
}

/** Sets a dotted path on a JSON object, creating objects on the way, as JSON.parse would (own keys, even "__proto__"). */
function setPath (target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined
    const child = typeof next === 'object' && next !== null && !Array.isArray(next) ? next as Record<string, unknown> : {}
    Object.defineProperty(node, key, { value: child, enumerable: true, writable: true, configurable: true })
    node = child
  }
  Object.defineProperty(node, keys[keys.length - 1] as string, { value, enumerable: true, writable: true, configurable: true })
}

/** Accepted ⇒ schema-valid, frozen, plain prototypes all the way down, and stable under a JSON round trip; rejected ⇒ BENCH_ERR_CONFIG_INVALID. */
function checkOutcome (outcome: ScenarioConfig | Error): void {
  if (outcome instanceof Error) {
    expect((outcome as Error & { code?: string }).code, outcome.message).toBe('BENCH_ERR_CONFIG_INVALID')
    expect(outcome.message).toMatch(/^Invalid scenario /)
    return
  }
  expect(Value.Check(ScenarioSchema, outcome)).toBe(true)
  expect(Object.isFrozen(outcome)).toBe(true)
  expect(hasPlainPrototypes(outcome)).toBe(true)
  expect(outcome.transports.longPoll.holdMs).toBeLessThan(outcome.clientTimeoutMs)
  expect(resolveScenario(JSON.parse(JSON.stringify(outcome)))).toEqual(outcome)
}

function hasPlainPrototypes (value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== Array.prototype) return false
  return Object.values(value).every(hasPlainPrototypes)
}

describe('resolveScenario under random input', () => {
  it('any JSON value is either a valid frozen config or BENCH_ERR_CONFIG_INVALID, never another error', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      checkOutcome(tryResolve(JSON.parse(JSON.stringify(value))))
    }), { seed: SEED, numRuns: 300 })
  })

  it('a valid scenario with random keys set to hostile values is accepted only when every value is in range', () => {
    const mutations = fc.array(fc.tuple(fc.constantFrom(...PATHS), hostile), { minLength: 1, maxLength: 4 })
    fc.assert(fc.property(mutations, (changes) => {
      const input: Record<string, unknown> = JSON.parse(JSON.stringify(BASE))
      for (const [path, value] of changes) setPath(input, path, value)
      // through JSON text, as a scenario file arrives
      const text = JSON.stringify(input)
      const outcome = tryResolve(JSON.parse(text))
      checkOutcome(outcome)
      const touchesUnknown = changes.some(([path]) => /(^|\.)(rate|__proto__|constructor|toString)$/.test(path) || /__proto__/.test(path))
      if (touchesUnknown && text.includes('"__proto__"')) expect(outcome).toBeInstanceOf(Error)
    }), { seed: SEED, numRuns: 500 })
  })

  it('a "__proto__" key anywhere is rejected by name, never turned into a prototype', () => {
    for (const text of [
      '{"name":"a","pattern":"chat","__proto__":{"clients":5}}',
      '{"name":"a","pattern":"chat","transports":{"__proto__":{"ws":{"heartbeatMs":200}}}}',
      '{"name":"a","pattern":"chat","transports":{"ws":{"__proto__":{"heartbeatMs":200}}}}',
    ]) {
      expect(tryResolve(JSON.parse(text))).toMatchObject({ code: 'BENCH_ERR_CONFIG_INVALID', message: expect.stringMatching(/unknown key "(transports\.)?(ws\.)?__proto__"/) })
      // the catalog merges overrides first: the key must survive the merge to be rejected
      expect(tryResolve(mergeOptions(JSON.parse(text) as Record<string, unknown>, { clients: 3 }))).toBeInstanceOf(Error)
    }
  })
})
