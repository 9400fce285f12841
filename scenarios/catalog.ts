import { readFileSync } from 'node:fs'
import { mergeOptions, resolveScenario, type ScenarioConfig } from '../core/config.ts'
import { errors } from '../core/errors.ts'
import type { BrowserLayout, NotApplicable, ScenarioDefinition } from './definition.ts'
import { browserTabs } from './browser-tabs.ts'
import { burst } from './burst.ts'
import { chat } from './chat.ts'
import { chat200 } from './chat-200.ts'
import { fanOutScale } from './fan-out-scale.ts'
import { largePayload } from './large-payload.ts'
import { notifications } from './notifications.ts'
import { reconnect, reconnectRestart } from './reconnect.ts'
import { rpc } from './rpc.ts'
import { slowConsumer } from './slow-consumer.ts'
import { ticker } from './ticker.ts'
import { ticker1k } from './ticker-1k.ts'

export type { BrowserLayout, NotApplicable, ScenarioDefinition } from './definition.ts'

/** The built-in scenarios by name. */
export const BUILTIN_SCENARIOS: Readonly<Record<string, ScenarioDefinition>> = {
  ticker,
  chat,
  'ticker-1k': ticker1k,
  'chat-200': chat200,
  rpc,
  notifications,
  'large-payload': largePayload,
  burst,
  reconnect,
  'reconnect-restart': reconnectRestart,
  'slow-consumer': slowConsumer,
  'fan-out-scale': fanOutScale,
  'browser-tabs': browserTabs,
}

/**
 * Names of the scenarios `npm run bench` runs by default: workloads at the size of a product, where the
 * verdict means something: a price board on 1,000 screens, a chat room of 200 members, and 1,000 mostly
 * idle connections. Memory per connection is measured only from 1,000 connections up, and a
 * connection's own costs (heartbeats, held polls, idle requests) are not divided among 20 clients.
 */
export const DEFAULT_SCENARIOS = ['ticker-1k', 'chat-200', 'notifications'] as const

/**
 * Scenarios of the regression gate (`--profile ci`, `npm run bench:ab`) when none are named: the gate's
 * detection power was measured on these (README, "What the gate can catch"), in 1 s windows. Small and
 * busy on purpose (20 clients): per-message cost and latency with the server far from its limits.
 */
export const GATE_SCENARIOS = ['ticker', 'chat'] as const

/**
 * Resolves a scenario by built-in name or JSON file path, layering defaults < scenario < overrides,
 * and validates it once. Throws a coded error naming the scenario, key or value on bad input.
 */
export function loadScenario (nameOrPath: string, overrides: Record<string, unknown> = {}): ScenarioConfig {
  const builtin = BUILTIN_SCENARIOS[nameOrPath]
  if (builtin !== undefined) {
    const { notApplicable: _notApplicable, browser: _browser, ...options } = builtin
    return resolveScenario(mergeOptions(options as Record<string, unknown>, overrides), nameOrPath)
  }
  if (!nameOrPath.endsWith('.json')) {
    throw new errors.BENCH_ERR_UNKNOWN_SCENARIO(JSON.stringify(nameOrPath), Object.keys(BUILTIN_SCENARIOS).join(', '))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(nameOrPath, 'utf8'))
  } catch (cause) {
    throw new errors.BENCH_ERR_SCENARIO_FILE(nameOrPath, (cause as Error).message, { cause })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new errors.BENCH_ERR_SCENARIO_FILE(nameOrPath, 'expected a JSON object')
  }
  return resolveScenario(mergeOptions(parsed as Record<string, unknown>, overrides), nameOrPath)
}

/** The transports a scenario (built-in name or file) does not apply to, with the reason; a file applies to all. */
export function notApplicableTo (nameOrPath: string): NotApplicable {
  return BUILTIN_SCENARIOS[nameOrPath]?.notApplicable ?? {}
}

/** How a scenario's clients are laid out when they run in Chromium; undefined: the generator's default (a few clients per page, one context each). */
export function browserLayoutOf (nameOrPath: string): BrowserLayout | undefined {
  return BUILTIN_SCENARIOS[nameOrPath]?.browser
}
