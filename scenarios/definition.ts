import type { ScenarioOptions } from '../core/config.ts'
import type { TransportName } from '../core/wire-protocol.ts'

/** Why a scenario does not apply to a transport, by transport; shown in the report instead of a silent skip. */
export type NotApplicable = Partial<Readonly<Record<TransportName, string>>>

/** A built-in scenario: its options, plus the transports it does not apply to (catalog only, not part of the validated config). */
export type ScenarioDefinition = ScenarioOptions & { readonly notApplicable?: NotApplicable }
