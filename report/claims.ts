import type { TransportName } from '../core/wire-protocol.ts'
import type { RunResult } from '../results/schema.ts'
import type { ScenarioSummary, TransportSummary } from '../results/summary.ts'
import { formatBytes, formatUs } from './format.ts'

/** What the run says about a claim. */
export type ClaimStatus = 'confirmed' | 'not confirmed' | 'depends on workload' | 'not measured'

/** A common claim about these transports, checked against this run. */
export interface ClaimCheck {
  readonly claim: string
  /** How the claim is decided, in words. */
  readonly rule: string
  readonly status: ClaimStatus
  /** One line per scenario: the measured figures and whether the claim held there. */
  readonly evidence: readonly string[]
}

/** Relative margin a difference must exceed to count in claim rules. */
export const CLAIM_MARGIN = 0.10

type Lookup = (t: TransportName) => TransportSummary | undefined
interface Check { holds: boolean | null, figure: string }

interface ClaimDefinition {
  readonly claim: string
  readonly rule: string
  readonly check: (get: Lookup, s: ScenarioSummary) => Check
  /** The rule reads wire bytes: it cannot be decided where the clients could not count them. */
  readonly readsBytes?: true
}

const PERSISTENT: readonly TransportName[] = ['ws', 'sse']
const POLLING: readonly TransportName[] = ['long-poll', 'poll']
const pct = `${CLAIM_MARGIN * 100}%`

// a summary usable for a claim: it has valid rounds
function present (get: Lookup, names: readonly TransportName[]): TransportSummary[] {
  return names.map(get).filter((t): t is TransportSummary => t !== undefined && t.validRounds > 0)
}

function list (ts: readonly TransportSummary[], figure: (t: TransportSummary) => string): string {
  return ts.map((t) => `${t.transport} ${figure(t)}`).join(', ')
}

const overhead = (t: TransportSummary): number => t.extra.overheadBytes.median
const hasUpstream = (s: ScenarioSummary): boolean => s.transports.some((t) => t.counters.upstreamSent > 0)
const requestBytes = (t: TransportSummary): number => t.extra.clientBytesPerMessage.median
const setupPerMessage = (t: TransportSummary): number => t.extra.setupBytesPerMessage.median

const CLAIMS: readonly ClaimDefinition[] = [
  {
    claim: 'WebSocket has low per-message overhead.',
    readsBytes: true,
    rule: `Holds in a workload when ws's median wire overhead per message (bytes beyond the payload) is at most ${pct} above the lowest of the other transports.`,
    check: (get) => {
      const ws = present(get, ['ws'])[0]
      const others = present(get, ['sse', 'long-poll', 'poll'])
      if (ws === undefined || others.length === 0) return { holds: null, figure: 'needs ws and another transport' }
      const lowest = Math.min(...others.map(overhead))
      return { holds: overhead(ws) <= lowest * (1 + CLAIM_MARGIN), figure: `overhead per message: ${list([ws, ...others], (t) => formatBytes(overhead(t)))}` }
    },
  },
  {
    claim: 'Polling pays HTTP headers per message.',
    readsBytes: true,
    rule: `Holds when every polling transport's median overhead per message is more than ${pct} above the highest of ws and sse (batching many messages per response can amortize the headers away).`,
    check: (get) => {
      const polling = present(get, POLLING)
      const streaming = present(get, PERSISTENT)
      if (polling.length === 0 || streaming.length === 0) return { holds: null, figure: 'needs a polling and a streaming transport' }
      const highest = Math.max(...streaming.map(overhead))
      return {
        holds: polling.every((t) => overhead(t) > highest * (1 + CLAIM_MARGIN)),
        figure: `overhead per message: ${list([...polling, ...streaming], (t) => formatBytes(overhead(t)))}`,
      }
    },
  },
  {
    claim: 'SSE is server-to-client only and needs separate requests upstream.',
    readsBytes: true,
    rule: `Holds in workloads with client → server messages when sse's client bytes per upstream message (a separate HTTP POST) are more than ${pct} above ws's (a frame on the open socket).`,
    check: (get, s) => {
      const [ws, sse] = [present(get, ['ws'])[0], present(get, ['sse'])[0]]
      if (!hasUpstream(s)) return { holds: null, figure: 'no client → server messages in this workload' }
      if (ws === undefined || sse === undefined) return { holds: null, figure: 'needs ws and sse' }
      const up = (t: TransportSummary): number => t.extra.upstreamBytesPerMessage.median
      return { holds: up(sse) > up(ws) * (1 + CLAIM_MARGIN), figure: `client bytes per upstream message: ${list([sse, ws], (t) => formatBytes(up(t)))}` }
    },
  },
  {
    claim: 'Long-polling adds a round trip per batch.',
    rule: `Holds when long-poll's median p99 delivery latency is more than ${pct} above sse's, whose stream stays open between messages.`,
    check: (get) => {
      const [lp, sse] = [present(get, ['long-poll'])[0], present(get, ['sse'])[0]]
      if (lp === undefined || sse === undefined) return { holds: null, figure: 'needs long-poll and sse' }
      const p99 = (t: TransportSummary): number => t.metrics.p99.median
      return {
        holds: p99(lp) > p99(sse) * (1 + CLAIM_MARGIN),
        figure: `p50 / p99: ${list([lp, sse], (t) => `${formatUs(t.metrics.p50.median)} / ${formatUs(p99(t))}`)}`,
      }
    },
  },
  {
    claim: 'A persistent connection saves setup cost.',
    readsBytes: true,
    rule: 'Holds in workloads without client → server messages when, for ws and sse, the connection setup bytes spread over the messages delivered in the measured window are fewer than the request bytes each polling transport sends per delivered message.',
    check: (get, s) => {
      if (hasUpstream(s)) return { holds: null, figure: 'not separable: client bytes include upstream messages here' }
      const persistent = present(get, PERSISTENT)
      const polling = present(get, POLLING)
      if (persistent.length === 0 || polling.length === 0) return { holds: null, figure: 'needs a persistent and a polling transport' }
      const cheapestPolling = Math.min(...polling.map(requestBytes))
      return {
        holds: persistent.every((t) => setupPerMessage(t) < cheapestPolling),
        figure: `setup per message: ${list(persistent, (t) => formatBytes(setupPerMessage(t)))}; requests per message: ${list(polling, (t) => formatBytes(requestBytes(t)))}`,
      }
    },
  },
  {
    claim: 'Server push needs no client request.',
    readsBytes: true,
    rule: `Holds in workloads without client → server messages when ws and sse send less than ${pct} of the client bytes per delivered message that the cheapest polling transport sends.`,
    check: (get, s) => {
      if (hasUpstream(s)) return { holds: null, figure: 'not separable: client bytes include upstream messages here' }
      const push = present(get, PERSISTENT)
      const polling = present(get, POLLING)
      if (push.length === 0 || polling.length === 0) return { holds: null, figure: 'needs a push and a polling transport' }
      const cheapestPolling = Math.min(...polling.map(requestBytes))
      return {
        holds: push.every((t) => requestBytes(t) < cheapestPolling * CLAIM_MARGIN),
        figure: `client bytes per delivered message: ${list([...push, ...polling], (t) => formatBytes(requestBytes(t)))}`,
      }
    },
  },
]

/** Every claim checked from a run's rounds: the common claims, and the six-connection claim when the run has browser tabs to decide it. */
export function checkRoundClaims (result: RunResult, summaries: readonly ScenarioSummary[]): ClaimCheck[] {
  const tabs = checkTabsClaim(result)
  return [...checkClaims(summaries), ...(tabs === undefined ? [] : [tabs])]
}

/** Checks every claim against the run's summaries. */
export function checkClaims (summaries: readonly ScenarioSummary[]): ClaimCheck[] {
  return CLAIMS.map((definition) => {
    const evidence: string[] = []
    const outcomes: boolean[] = []
    for (const s of summaries) {
      const { holds, figure } = definition.readsBytes === true && s.transports.some((t) => t.bytesNotMeasured !== undefined)
        ? { holds: null, figure: 'bytes not measured (browser clients cannot count their sockets\' bytes)' }
        : definition.check((t) => s.transports.find((x) => x.transport === t), s)
      if (holds !== null) outcomes.push(holds)
      evidence.push(`${s.scenario}: ${figure}${holds === null ? '' : holds ? ' (holds)' : ' (does not hold)'}`)
    }
    const status: ClaimStatus = outcomes.length === 0
      ? 'not measured'
      : outcomes.every(Boolean) ? 'confirmed' : outcomes.some(Boolean) ? 'depends on workload' : 'not confirmed'
    return { claim: definition.claim, rule: definition.rule, status, evidence }
  })
}

/** Connections per origin a browser keeps over HTTP/1.1 (Chromium, Firefox, Safari). */
const HTTP1_CONNECTIONS_PER_ORIGIN = 6

/**
 * "SSE over HTTP/1.1 is limited to six connections per origin in browsers", decided from SSE rounds
 * whose clients ran in more than six tabs of one browser (the browser-tabs scenario); undefined when
 * the run has none. Over HTTP/1.1 it holds when the first six tabs received and every later one
 * received nothing; rounds over h2 are listed beside it (all tabs share one connection there).
 */
export function checkTabsClaim (result: RunResult): ClaimCheck | undefined {
  const rounds = result.rounds.filter((r) => r.transport === 'sse' && (r.browser?.pages.length ?? 0) > HTTP1_CONNECTIONS_PER_ORIGIN &&
    r.browser?.pages.every((p) => p.loadgen === 0 && p.clients === 1))
  if (rounds.length === 0) return undefined
  const outcomes: boolean[] = []
  const evidence = rounds.map((r) => {
    const pages = [...(r.browser?.pages ?? [])].sort((a, b) => a.page - b.page)
    const silent = pages.filter((p) => p.received === 0).map((p) => p.page + 1)
    const overs = [...new Set(pages.map((p) => p.protocol))].join(', ')
    const figure = `${r.scenario} round ${r.round} over ${overs}: ${pages.length} tabs, ` +
      (silent.length === 0 ? 'every tab received' : `tab${silent.length > 1 ? 's' : ''} ${silent.join(', ')} received nothing`)
    if (!pages.every((p) => p.protocol === 'http/1.1')) return `${figure} (not HTTP/1.1: not judged)`
    const holds = pages.every((p, i) => (i < HTTP1_CONNECTIONS_PER_ORIGIN ? p.received > 0 : p.received === 0))
    outcomes.push(holds)
    return `${figure}${holds ? ' (holds)' : ' (does not hold)'}`
  })
  return {
    claim: 'SSE over HTTP/1.1 is limited to six connections per origin in browsers.',
    rule: `Decided from SSE rounds with more than ${HTTP1_CONNECTIONS_PER_ORIGIN} tabs of one browser context (browser-tabs, --clients-in chromium) loaded over HTTP/1.1: ` +
      `holds when the first ${HTTP1_CONNECTIONS_PER_ORIGIN} tabs received and every later tab received nothing for the whole run. Rounds over h2 are listed, not judged.`,
    status: outcomes.length === 0 ? 'not measured' : outcomes.every(Boolean) ? 'confirmed' : outcomes.some(Boolean) ? 'depends on workload' : 'not confirmed',
    evidence,
  }
}
