import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { errors } from './errors.ts'

/** Hard ceiling for one payload: above it no server in this suite accepts a message. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024 // 16 MiB

const Pattern = Type.Union([
  Type.Literal('broadcast'), // the server publishes one stream at ratePerSec; every client receives it
  Type.Literal('per-client'), // the server publishes one stream per client at ratePerSec each
  Type.Literal('request-response'), // each client sends ratePerSec requests; the server answers the sender
  Type.Literal('chat'), // each client sends ratePerSec lines; the server broadcasts each line to all
])

const WritePolicy = Type.Union([
  Type.Literal('per-tick'), // all frames due in one event-loop tick leave in one socket write (cork/uncork)
  Type.Literal('per-message'), // one socket write per message
])

/** The scenario schema: every key has a default and a unit; unknown keys are errors. */
export const ScenarioSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ default: '' }),
  pattern: Pattern,
  clients: Type.Integer({ minimum: 1, maximum: 20_000, default: 10 }),
  ratePerSec: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, default: 100 }), // per stream, or per client for chat / request-response
  payloadBytes: Type.Integer({ minimum: 0, maximum: MAX_PAYLOAD_BYTES, default: 128 }), // downstream payload, bytes
  upstreamPayloadBytes: Type.Integer({ minimum: 0, maximum: MAX_PAYLOAD_BYTES, default: 64 }), // chat line / request, bytes
  durationMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }), // measured window
  warmupMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 1_000 }), // published and delivered, not recorded
  drainMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 2_000 }), // longest wait for in-flight messages after the run
  seed: Type.Integer({ minimum: 0, maximum: 0xFFFFFFFF, default: 1 }),
  writePolicy: WritePolicy,
  ringSize: Type.Integer({ minimum: 16, maximum: 1_000_000, default: 10_000 }), // messages kept per stream for resume
  sendBufferCapBytes: Type.Integer({ minimum: 64 * 1024, maximum: 1024 * 1024 * 1024, default: 1024 * 1024 }), // 1 MiB per connection
  clientTimeoutMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }), // HTTP headers / body timeout in clients
  connectConcurrency: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }), // connections opened at once
  // messages published together at one scheduled time: message k is due at t0 + floor(k / burstSize) * burstSize / ratePerSec,
  // so the average rate is unchanged; 1 = steady
  burstSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  faults: Type.Object({
    // share of open client connections (0..1) the server drops every second while a run is active: their TCP
    // socket is destroyed, the same way for every transport (servers/fault-drops.ts)
    dropSharePerSec: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    // clients (the first N of the run) that stop reading from their socket once the warm-up ends, until the run is over
    slowClients: Type.Integer({ minimum: 0, maximum: 20_000, default: 0 }),
    // ms after the run starts (warm-up included) at which the runner SIGKILLs the server it started and starts a
    // new one on the same port with the same config, which publishes for the rest of the run (a new epoch); 0: off.
    // Only with servers the runner starts (not --target); reconciled against the new epoch (runner/round.ts)
    restartAtMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 0 }),
  }, { additionalProperties: false, default: {} }),
  // the latency target this workload is judged by (the verdict, --capacity): delivery p99 at most p99Ms under the
  // chosen network profile, and why that figure suits the product; --slo-p99 overrides it
  slo: Type.Object({
    p99Ms: Type.Number({ exclusiveMinimum: 0, maximum: 600_000, default: 100 }),
    why: Type.String({ maxLength: 500, default: '' }),
  }, { additionalProperties: false, default: {} }),
  ramp: Type.Object({
    // 0: one round with `clients`; N > 0: N steps of growing client counts up to `clients` (runner/ramp.ts)
    steps: Type.Integer({ minimum: 0, maximum: 20, default: 0 }),
    // a step whose delivery p99 reaches this fails and ends the ramp, ms
    p99LimitMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 500 }),
  }, { additionalProperties: false, default: {} }),
  // browser-facing routes (ws, sse, long-poll, poll, upstream) answer 403 to an Origin header not listed
  // here, exactly as scheme://host[:port]; [] (default) checks nothing. Requests without Origin pass.
  allowedOrigins: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100, default: [] }),
  // the same routes answer 403 when the Host header's name (port ignored) is not listed; [] checks nothing
  allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100, default: [] }),
  transports: Type.Object({
    ws: Type.Object({
      perMessageDeflate: Type.Boolean({ default: false }), // off on BOTH sides unless set
      heartbeatMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }), // ping interval
    }, { additionalProperties: false, default: {} }),
    sse: Type.Object({
      heartbeatMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }), // comment line interval
    }, { additionalProperties: false, default: {} }),
    longPoll: Type.Object({
      holdMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 25_000 }), // server holds an empty poll this long
    }, { additionalProperties: false, default: {} }),
    poll: Type.Object({
      intervalMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 100 }), // client polls this often
    }, { additionalProperties: false, default: {} }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false })

/** The resolved, validated and frozen scenario. */
export type ScenarioConfig = Static<typeof ScenarioSchema>

/** Scenario as a user writes it: any key may be left out except name and pattern. */
export type ScenarioOptions = Partial<Omit<ScenarioConfig, 'transports' | 'faults' | 'ramp' | 'slo'>> & Pick<ScenarioConfig, 'name' | 'pattern'> & {
  transports?: { [K in keyof ScenarioConfig['transports']]?: Partial<ScenarioConfig['transports'][K]> }
  faults?: Partial<ScenarioConfig['faults']>
  ramp?: Partial<ScenarioConfig['ramp']>
  slo?: Partial<ScenarioConfig['slo']>
}

/** The communication pattern of a scenario. */
export type ScenarioPattern = ScenarioConfig['pattern']

/** Deep-merges option layers (later wins) without mutating any of them. */
export function mergeOptions (...layers: ReadonlyArray<Record<string, unknown> | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const layer of layers) {
    if (layer === undefined) continue
    for (const [key, value] of Object.entries(layer)) {
      const prev = Object.hasOwn(out, key) ? out[key] : undefined
      // defined, not assigned: a JSON "__proto__" key stays an own (and so unknown, rejected) key instead
      // of replacing the prototype and smuggling values past the schema
      Object.defineProperty(out, key, {
        value: isPlainObject(value) && isPlainObject(prev) ? mergeOptions(prev, value) : cloneValue(value),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  return out
}

/**
 * Validates scenario options once, at the boundary: fills defaults, rejects unknown keys by name and
 * out-of-range values with the allowed range, checks cross-field rules, and returns a frozen config.
 */
export function resolveScenario (input: unknown, source = 'options'): ScenarioConfig {
  if (!isPlainObject(input)) throw new errors.BENCH_ERR_CONFIG_INVALID(source, 'expected a JSON object')
  // a JSON "__proto__" key would become a prototype while defaults are filled in, hiding it from the schema
  const protoPath = protoKeyPath(input, '')
  if (protoPath !== undefined) throw new errors.BENCH_ERR_CONFIG_INVALID(nameOf(input), `unknown key "${protoPath}"`)
  const withDefaults = Value.Default(ScenarioSchema, mergeOptions({ writePolicy: 'per-tick' }, input))
  const first = Value.Errors(ScenarioSchema, withDefaults).First()
  if (first !== undefined) {
    throw new errors.BENCH_ERR_CONFIG_INVALID(nameOf(input), describeError(first.path, first.value, first.schema))
  }
  const config = withDefaults as ScenarioConfig
  if (config.faults.slowClients >= config.clients) {
    throw new errors.BENCH_ERR_CONFIG_INVALID(config.name,
      `faults.slowClients = ${config.faults.slowClients} must be below clients = ${config.clients} (someone has to keep reading)`)
  }
  if (config.faults.restartAtMs > 0 && config.faults.restartAtMs >= config.warmupMs + config.durationMs) {
    throw new errors.BENCH_ERR_CONFIG_INVALID(config.name,
      `faults.restartAtMs = ${config.faults.restartAtMs} must be below warmupMs + durationMs = ${config.warmupMs + config.durationMs} (the restart happens during the run)`)
  }
  if (config.faults.restartAtMs > 0 && config.pattern !== 'broadcast' && config.pattern !== 'per-client') {
    throw new errors.BENCH_ERR_CONFIG_INVALID(config.name,
      `faults.restartAtMs needs pattern "broadcast" or "per-client", not ${JSON.stringify(config.pattern)} (upstream sent while the server is down would fail)`)
  }
  if (config.transports.longPoll.holdMs >= config.clientTimeoutMs) {
    throw new errors.BENCH_ERR_CONFIG_INVALID(config.name,
      `transports.longPoll.holdMs = ${config.transports.longPoll.holdMs} must be below clientTimeoutMs = ${config.clientTimeoutMs}`)
  }
  return deepFreeze(config)
}

/** The largest JSON text one message of this scenario can be, used to set server and client limits. */
export function maxMessageBytes (config: ScenarioConfig): number {
  // envelope keys, numbers and escaping never exceed 512 bytes; payloads are plain ASCII
  return Math.max(config.payloadBytes, config.upstreamPayloadBytes) + 512
}

function nameOf (input: Record<string, unknown>): string {
  return typeof input.name === 'string' ? JSON.stringify(input.name) : '(unnamed)'
}

function describeError (path: string, value: unknown, schema: TSchema): string {
  const key = path === '' ? '(root)' : path.slice(1).replaceAll('/', '.')
  if (schema.additionalProperties === false && path !== '') {
    const allowed = Object.keys(schema.properties ?? {})
    const keyName = path.slice(path.lastIndexOf('/') + 1)
    if (!allowed.includes(keyName)) return `unknown key "${key}" (allowed here: ${allowed.join(', ')})`
  }
  if (value === undefined && path !== '') return `${key} is required (${allowedText(schema)})`
  return `${key} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)} is not allowed (${allowedText(schema)})`
}

function allowedText (schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) return 'one of ' + schema.anyOf.map((s: TSchema) => JSON.stringify(s.const)).join(', ')
  const parts: string[] = [schema.type === 'integer' ? 'an integer' : `a ${String(schema.type)}`]
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`)
  if (schema.minimum !== undefined) parts.push(`>= ${schema.minimum}`)
  if (schema.maximum !== undefined) parts.push(`<= ${schema.maximum}`)
  if (schema.minLength !== undefined) parts.push(`of length >= ${schema.minLength}`)
  return parts.join(' ')
}

/** The dotted path of the first own "__proto__" key in a JSON value, if any. */
function protoKeyPath (value: unknown, path: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  for (const key of Object.keys(value)) {
    const inner = path === '' ? key : `${path}.${key}`
    if (key === '__proto__') return inner
    const found = protoKeyPath((value as Record<string, unknown>)[key], inner)
    if (found !== undefined) return found
  }
  return undefined
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function cloneValue (value: unknown): unknown {
  return isPlainObject(value) ? mergeOptions(value) : Array.isArray(value) ? value.map(cloneValue) : value
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
