import type { ScenarioConfig } from '../core/config.ts'
import type { LoadgenReport } from '../core/control.ts'
import { encodeHistogram, mergeHistograms, summarizeHistogram } from '../core/histogram.ts'
import { mergeMissingSeqs, sumCounters, sumWireBytes, windowCpuFromMarks, type DeliveryCounters } from '../core/measures.ts'
import { mergeTimelines } from '../core/timeline.ts'
import type { RoundResult } from '../results/schema.ts'
import type { RoundRaw, ServerRestart } from './round.ts'

const SATURATED = /^load generator \d+ saturated: /

/** Deliveries per second the scenario asks for, over all clients that keep reading (slow clients stop). */
export function targetDeliveriesPerSec (scenario: ScenarioConfig): number {
  const readers = scenario.clients - scenario.faults.slowClients
  switch (scenario.pattern) {
    case 'broadcast': return scenario.ratePerSec * readers
    case 'per-client': return scenario.ratePerSec * readers
    case 'request-response': return scenario.ratePerSec * readers
    case 'chat': return scenario.ratePerSec * scenario.clients * readers
  }
}

/** Turns what the processes of a round reported into one schema-valid RoundResult, with its verdict. */
export function buildRoundResult (raw: RoundRaw): RoundResult {
  const { plan, reports, server, stopped } = raw
  const { scenario } = plan
  const counters = sumCounters(reports.map((r) => r.counters))
  const bytes = sumWireBytes(reports.map((r) => r.bytes))
  const merged = (key: keyof LoadgenReport['histograms']): string =>
    encodeHistogram(mergeHistograms(reports.flatMap((r) => r.histograms[key] ?? [])))
  const hasRecovered = reports.some((r) => r.histograms.recover !== undefined)
  const histograms = {
    latency: merged('latency'),
    latencyFromSend: merged('latencyFromSend'),
    connect: merged('connect'),
    firstMessage: merged('firstMessage'),
    ...(hasRecovered ? { recover: merged('recover') } : {}),
  }
  const latency = summarizeHistogram(mergeHistograms([histograms.latency]))
  const deliveredInWindow = sum(reports.map((r) => r.deliveredInWindow))
  const timeline = mergeTimelines(reports.map((r) => r.timeline ?? []))
  const outOfRange = sum(reports.map((r) => r.outOfRange))
  const payloadBytesReceived = sum(reports.map((r) => r.payloadBytesReceived))
  const missing = mergeMissingSeqs(reports.map((r) => r.missing))
  const received = Math.max(1, counters.received)
  const steadyBytes = bytes.steadyRead + bytes.steadyWritten
  const upstreamPayload = counters.upstreamSent * scenario.upstreamPayloadBytes
  // the publisher's clock (its worker's wake-ups and the busy-wait before each deadline) buys schedule
  // precision; it is not work per message, so it is measured and kept out
  const precisionCpuUs = (stopped.publisherSpinUs ?? 0) + (stopped.publisherWorkerCpuUs ?? 0)
  const serverCpuUs = Math.max(0, server.process.cpuUserUs + server.process.cpuSystemUs - precisionCpuUs)
  // CPU per delivery is the measured window's (its CPU over its deliveries): the warm-up's JIT and first
  // allocations and the tail after the window stay out. A run without a window figure (a restarted server,
  // a browser generator) divides the whole run's CPU by every message received.
  const windowUs = scenario.durationMs * 1000
  const windowServerCpuUs = stopped.window === undefined
    ? undefined
    : windowCpuFromMarks(Math.max(0, stopped.window.cpuUs - stopped.window.precisionCpuUs), stopped.window.elapsedUs, windowUs)
  const serverPerMessage = windowServerCpuUs !== undefined && deliveredInWindow > 0
    ? windowServerCpuUs / deliveredInWindow
    : serverCpuUs / received
  const loadgenWindowCpuUs = reports.map((r) => r.windowCpuUs)
  const loadgenPerMessage = loadgenWindowCpuUs.every((us) => us !== undefined) && deliveredInWindow > 0
    ? sum(loadgenWindowCpuUs as number[]) / deliveredInWindow
    : sum(reports.map((r) => r.process.cpuUserUs + r.process.cpuSystemUs)) / received

  // a vanished generator took its clients' counts with it: nothing of the round can be reported as complete
  const invalidReasons: string[] = (raw.lostLoadgens ?? []).map((w) => `load generator ${w} disconnected mid-round: its clients' deliveries are missing`)
  // a saturated generator is the cause of whatever followed it (cuts, gaps, loss): its reasons come first
  invalidReasons.push(...reports.flatMap((r) => r.saturation.map((s) => `load generator ${r.worker} saturated: ${s}`)))
  // a slow client's loss after it stopped reading is explained by its cut (README.md, "Reliability")
  const unexplained = counters.lost - counters.gapNotified - (counters.lostToCuts ?? 0)
  if (unexplained > 0) {
    const first = missing.slice(0, 3).map((m) => `${m.client} missed ${m.count} (seq ${m.seqs.slice(0, 5).join(', ')}${m.count > 5 ? ', …' : ''})`)
    invalidReasons.push(`${unexplained} of ${counters.expected} expected messages never arrived: ${first.join('; ')}`)
  }
  if (counters.gapNotified > 0) invalidReasons.push(`${counters.gapNotified} messages were gone from the server's replay ring on resume (explicit gap)`)
  if (outOfRange > 0) invalidReasons.push(`${outOfRange} latency values were outside the histogram's range (0 .. 60 s)`)
  // a restart the runner performed explains one epoch change per client; any other epoch change is unexplained
  const explainedResets = raw.restart === undefined ? 0 : scenario.clients
  if (counters.resets > explainedResets) {
    invalidReasons.push(raw.restart === undefined
      ? `${counters.resets} connections saw the server restart (epoch changed)`
      : `${counters.resets} epoch changes, more than the one restart explains (${scenario.clients} clients)`)
  }
  if (counters.upstreamFailed > 0) invalidReasons.push(`${counters.upstreamFailed} upstream messages could not be sent`)
  if (latency.count === 0) invalidReasons.push('no message was delivered in the measured window')
  const clocks = reports.flatMap((r) => r.clock === undefined ? [] : [{ worker: r.worker, ...r.clock }])
  const clientsReported = sum(reports.map((r) => r.clients))
  if (clientsReported !== scenario.clients) invalidReasons.push(`${clientsReported} of ${scenario.clients} clients reported`)

  return {
    scenario: scenario.name,
    transport: plan.transport,
    round: plan.round,
    order: plan.order,
    status: invalidReasons.length === 0 ? 'valid' : 'invalid',
    invalidReasons,
    measuredMs: scenario.durationMs,
    clients: scenario.clients,
    counters,
    missing: missing.map((m) => ({ ...m, seqs: [...m.seqs] })),
    histograms,
    latency,
    ...(histograms.recover === undefined ? {} : { recover: summarizeHistogram(mergeHistograms([histograms.recover])) }),
    ...(raw.connectMs === undefined || raw.connectMs <= 0 ? {} : { connectRatePerSec: scenario.clients / (raw.connectMs / 1000) }),
    outOfRange,
    deliveredInWindow,
    deliveredPerSec: deliveredInWindow / (scenario.durationMs / 1000),
    ...(timeline.length > 0 ? { timeline } : {}),
    // a restart publishes nothing while the server is down: the target counts only the time it was up
    targetPerSec: targetDeliveriesPerSec(scenario) * (1 - downtimeInWindowMs(raw.restart, scenario) / scenario.durationMs),
    bytes,
    payloadBytesReceived,
    bytesPerMessage: steadyBytes / received,
    overheadBytesPerMessage: (steadyBytes - payloadBytesReceived - upstreamPayload) / received,
    ...browserFields(reports),
    server: {
      process: server.process,
      openConnections: server.openConnections,
      slowConsumerCuts: server.slowConsumerCuts,
      published: stopped.published,
      upstreamReceived: stopped.upstreamReceived,
      cpuUsPerMessage: serverPerMessage,
      ...(windowServerCpuUs === undefined ? {} : { windowCpuCores: windowServerCpuUs / windowUs }),
      ...(stopped.publishLag === undefined ? {} : { publishLag: { ...stopped.publishLag } }),
      ...(stopped.publisherSpinUs === undefined ? {} : { publisherSpinUs: stopped.publisherSpinUs }),
      ...(stopped.publisherWorkerCpuUs === undefined ? {} : { publisherWorkerCpuUs: stopped.publisherWorkerCpuUs }),
      idleMemoryPerConnectionBytes: (raw.idleRssBytes.connected - raw.idleRssBytes.before) / scenario.clients,
      ...(server.faultDrops === undefined ? {} : { faultDrops: server.faultDrops }),
    },
    loadgens: reports.map((r) => r.process),
    loadgenCpuUsPerMessage: loadgenPerMessage,
    ...(raw.restart === undefined ? {} : { restart: restartRecord(raw.restart, counters, scenario.clients) }),
    ...(clocks.length === 0 ? {} : { clocks }),
  }
}

/**
 * True when a round is INVALID only because a load generator saturated, and nothing was lost: a cause
 * outside the code under test, so the runner may run it once more. A round that lost messages is never
 * rerun, whatever caused the loss.
 */
export function isRerunnable (result: RoundResult): boolean {
  return result.status === 'invalid' && result.counters.lost === 0 && result.counters.gapNotified === 0 &&
    result.invalidReasons.every((reason) => SATURATED.test(reason))
}

/** What browser load generators add to a round: why bytes are not measured, and their pages. */
function browserFields (reports: RoundRaw['reports']): Pick<RoundResult, 'bytesNotMeasured' | 'browser'> {
  const notMeasured = reports.find((r) => r.bytesNotMeasured !== undefined)?.bytesNotMeasured
  const browsers = reports.filter((r) => r.browser !== undefined)
  return {
    ...(notMeasured === undefined ? {} : { bytesNotMeasured: notMeasured }),
    ...(browsers.length === 0
      ? {}
      : {
          browser: {
            clockBoundUs: Math.max(...browsers.map((r) => r.browser?.clockBoundUs ?? 0)),
            pages: browsers.flatMap((r) => (r.browser?.pages ?? []).map((p) => ({ loadgen: r.worker, ...p }))),
          },
        }),
  }
}

/** How much of the measured window the server spent restarting, ms (0 without a restart). */
function downtimeInWindowMs (restart: ServerRestart | undefined, scenario: ScenarioConfig): number {
  if (restart === undefined) return 0
  const start = Math.max(restart.atMs, scenario.warmupMs)
  const end = Math.min(restart.atMs + restart.downMs, scenario.warmupMs + scenario.durationMs)
  return Math.max(0, end - start)
}

/** The restart as the result records it, with what reconciliation can and cannot tell about it. */
function restartRecord (restart: ServerRestart, counters: DeliveryCounters, clients: number): NonNullable<RoundResult['restart']> {
  return {
    ...restart,
    note: `The server was killed (SIGKILL) ${restart.atMs} ms into the run and a new one was publishing ${restart.downMs} ms later ` +
      `(epoch ${restart.epochBefore} → ${restart.epochAfter}); ${counters.resets} of ${clients} clients saw the epoch change (reset). ` +
      `Delivery is reconciled against the new epoch's published ranges only. The ${counters.receivedBeforeReset ?? 0} messages received ` +
      'from the old epoch are reported, not reconciled: its published ranges died with it, so what it published but never delivered is unknowable.',
  }
}

function sum (values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}
