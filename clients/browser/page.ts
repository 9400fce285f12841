import type { LoadgenJob, LoadgenReport, RunStarted, RunStopped } from '../../core/control.ts'
import { PATHS } from '../../core/wire-protocol.ts'
import { LoadSession } from '../session.ts'
import { alignClock, clockCounters, type ClockAlignment } from './page-clock.ts'
import { browserCounters } from './page-transports.ts'

/** What one page measured: the session's report plus what only the page knows. */
export interface PageFinish {
  readonly report: LoadgenReport
  readonly clock: ClockAlignment
  /** Server-clock µs of the page's first envelope (0: none). */
  readonly firstRecvUs: number
  readonly received: number
  readonly neverConnected: number
  /** The protocol the page was loaded over (Resource Timing nextHopProtocol: "http/1.1", "h2"). */
  readonly protocol: string
  /** Receive times moved up to the message's tSendUs because the page clock read earlier, within its bound. */
  readonly movedToSend: number
}

/** The page's API, called by the generator process through page.evaluate. */
export interface PageApi {
  alignClock (exchanges: number): Promise<ClockAlignment>
  connect (job: LoadgenJob): Promise<number>
  start (started: RunStarted, runMs: number): void
  finish (stopped: RunStopped): Promise<PageFinish>
  close (): Promise<void>
}

let session: LoadSession | undefined
let clock: ClockAlignment | undefined

function requireSession (): LoadSession {
  if (session === undefined) throw new Error('the page has no job yet')
  return session
}

// the same LoadSession as the Node generator, bundled for the page with the clock, the process monitor
// and the transports substituted (page-bundle.ts): counting, reconciliation and histograms exist once
const api: PageApi = {
  async alignClock (exchanges) {
    clock = await alignClock(location.origin + PATHS.controlClock, exchanges)
    return clock
  },
  async connect (job) {
    session = new LoadSession(job)
    await session.connectAll()
    return session.connectMs
  },
  start (started, runMs) {
    requireSession().start(started, runMs)
  },
  async finish (stopped) {
    const s = requireSession()
    if (clock === undefined) throw new Error('the page clock was never aligned')
    const report = await s.finish(stopped)
    let firstRecvUs = 0
    let received = 0
    let neverConnected = 0
    for (const slot of s.slots) {
      if (slot.firstRecvUs > 0 && (firstRecvUs === 0 || slot.firstRecvUs < firstRecvUs)) firstRecvUs = slot.firstRecvUs
      received += slot.tracker.received
      if (slot.conn === undefined && slot.tracker.received === 0) neverConnected++
    }
    const counters = { ...report.counters, reconnects: report.counters.reconnects + browserCounters.sseReconnects }
    return { report: { ...report, counters }, clock, firstRecvUs, received, neverConnected, movedToSend: clockCounters.movedToSend, protocol: pageProtocol() }
  },
  async close () {
    await session?.close()
  },
}

function pageProtocol (): string {
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
  return navigation?.nextHopProtocol ?? 'unknown'
}

;(globalThis as unknown as { feedbench: PageApi }).feedbench = api
