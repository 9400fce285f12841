import type { ScenarioOptions } from '../core/config.ts'
import type { TransportName } from '../core/wire-protocol.ts'

/** Why a scenario does not apply to a transport, by transport; shown in the report instead of a silent skip. */
export type NotApplicable = Partial<Readonly<Record<TransportName, string>>>

/** How a scenario's clients are laid out in Chromium (--clients-in chromium): clients per page, and whether the pages are tabs of one browser context. */
export interface BrowserLayout {
  readonly clientsPerPage: number
  /** One context for every page: the tabs of one user, who share its 6 HTTP/1.1 connections per origin. */
  readonly sharedContext: boolean
}

/** A built-in scenario: its options, plus the transports it does not apply to and its browser layout (catalog only, not part of the validated config). */
export type ScenarioDefinition = ScenarioOptions & { readonly notApplicable?: NotApplicable, readonly browser?: BrowserLayout }
