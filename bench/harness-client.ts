/**
 * The client process of bench/harness-vs-raw.ts. 'suite' runs the suite's own load session and client
 * adapters (ws, sse, or the poll loop polling back to back); 'raw' runs a bare `ws` client or a bare
 * undici request feeding eventsource-parser; 'autocannon' runs autocannon on the poll endpoint. Each
 * counts what arrives in the same receive-time window and reports it over IPC.
 */
import { subscribe } from 'node:diagnostics_channel'
import autocannon from 'autocannon'
import { createParser } from 'eventsource-parser'
import { request } from 'undici'
import WebSocket from 'ws'
import type { ScenarioConfig } from '../core/config.ts'
import type { Envelope } from '../core/envelope.ts'
import type { ClientTransport } from '../core/adapters.ts'
import { nowUs, sleep } from '../core/clock.ts'
import { LatencyRecorder, summarizeHistogram, type HistogramSummary } from '../core/histogram.ts'
import { clientIdOf } from '../core/streams.ts'
import { PATHS, type TransportName } from '../core/wire-protocol.ts'
import { RESPONSE_CHANNEL } from '../clients/http1-client.ts'
import { connectPolling } from '../clients/poll-loop.ts'
import { LoadSession } from '../clients/session.ts'
import { clientTransports } from '../clients/registry.ts'

/** What one client process measures: which side, which transport, against which server. */
export interface HarnessJob {
  readonly side: 'suite' | 'raw' | 'autocannon'
  readonly transport: Extract<TransportName, 'ws' | 'sse' | 'poll'>
  readonly baseUrl: string
  readonly config: ScenarioConfig
  readonly warmupMs: number
  readonly windowMs: number
}

/** Messages from the orchestrator. */
export type ToHarnessClient = { readonly type: 'job', readonly job: HarnessJob } | { readonly type: 'start', readonly t0Us: number, readonly epoch: string }

/** Messages to the orchestrator: connected, then the count of deliveries (or answered polls) in the window. */
export type FromHarnessClient =
  | { readonly type: 'connected' }
  | { readonly type: 'result', readonly count: number, readonly windowMs: number, readonly latency: HarnessLatency }
  | { readonly type: 'error', readonly code: string, readonly message: string }

/** Delivery latency in the window, µs: from the message's schedule (what the suite reports) and from its send (the transport alone). */
export interface HarnessLatency {
  readonly fromSched: HistogramSummary
  readonly fromSend: HistogramSummary
}

let windowStartUs = Number.POSITIVE_INFINITY
let windowEndUs = Number.POSITIVE_INFINITY
let count = 0
const fromSched = new LatencyRecorder()
const fromSend = new LatencyRecorder()
const countAt = (recvUs: number): void => { if (recvUs >= windowStartUs && recvUs < windowEndUs) count++ }
/** Counts a delivery in the window and records its latency both ways. */
const recordAt = (env: Envelope, recvUs: number): void => {
  if (recvUs < windowStartUs || recvUs >= windowEndUs) return
  count++
  fromSched.record(recvUs - env.tSchedUs)
  fromSend.record(recvUs - env.tSendUs)
}

/** The suite's adapter with a receive-time counter in front of the session's sink. */
function counting (inner: ClientTransport): ClientTransport {
  return {
    name: inner.name,
    connect: (options) => inner.connect({ ...options, sink: { ...options.sink, message: (env, recvUs) => { recordAt(env, recvUs); options.sink.message(env, recvUs) } } }),
  }
}

/** The suite's poll loop with no interval: every answer is followed at once by the next request. */
const pollBackToBack: ClientTransport = {
  name: 'poll',
  connect: (options) => connectPolling(options, { path: PATHS.poll, intervalMs: 0, isHeld: false }),
}

async function connectSuite (job: HarnessJob): Promise<(t0Us: number, epoch: string) => void> {
  const isPoll = job.transport === 'poll'
  // an answered poll is what the poll side counts: the suite's HTTP/1.1 client announces each answer's
  // head here (undici, which carries HTTP/2, on its own channel)
  if (isPoll) {
    subscribe(RESPONSE_CHANNEL.name, () => { countAt(nowUs()) })
    subscribe('undici:request:headers', () => { countAt(nowUs()) })
  }
  const session = new LoadSession({ scenario: job.config, transport: job.transport, baseUrl: job.baseUrl, firstClient: 0, clientCount: job.config.clients, worker: 0 },
    isPoll ? pollBackToBack : counting(clientTransports[job.transport]))
  await session.connectAll()
  const runMs = job.warmupMs + job.windowMs
  return (t0Us, epoch) => { if (!isPoll) session.start({ t0Us, epoch }, runMs) }
}

async function connectRaw (job: HarnessJob): Promise<void> {
  const onJson = (text: string): void => {
    const recvUs = nowUs()
    recordAt(JSON.parse(text) as Envelope, recvUs)
  }
  await Promise.all(Array.from({ length: job.config.clients }, async (_, i) => {
    const query = `?client=${clientIdOf(i)}&stream=feed`
    if (job.transport === 'ws') {
      const ws = new WebSocket(job.baseUrl.replace(/^http/, 'ws') + PATHS.ws + query, { perMessageDeflate: false })
      ws.on('message', (data) => { onJson((data as Buffer).toString('utf8')) })
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
      return
    }
    const res = await request(job.baseUrl + PATHS.sse + query, { headers: { accept: 'text/event-stream' } })
    const parser = createParser({ onEvent: (event) => { onJson(event.data) } })
    const decoder = new TextDecoder()
    const pump = async (): Promise<void> => { for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true })) }
    // the stream ends when the process does; nothing waits for it
    pump().catch(() => {})
  }))
}

async function runAutocannon (job: HarnessJob, t0Us: number, epoch: string): Promise<number> {
  const url = `${job.baseUrl}${PATHS.poll}?client=${clientIdOf(0)}&stream=feed&cursor=0&epoch=${epoch}`
  const run = (seconds: number): Promise<autocannon.Result> => autocannon({ url, connections: job.config.clients, pipelining: 1, duration: seconds })
  await sleep(Math.max(0, (t0Us - nowUs()) / 1000))
  await run(job.warmupMs / 1000)
  const result = await run(job.windowMs / 1000)
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`autocannon: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  return result.requests.total
}

let job: HarnessJob | undefined
let onStart: ((t0Us: number, epoch: string) => void) | undefined

async function handle (message: ToHarnessClient): Promise<void> {
  if (message.type === 'job') {
    job = message.job
    if (job.side === 'suite') onStart = await connectSuite(job)
    else if (job.side === 'raw') await connectRaw(job)
    process.send?.({ type: 'connected' } satisfies FromHarnessClient)
    return
  }
  if (job === undefined) throw new Error("'start' arrived before 'job'")
  windowStartUs = message.t0Us + job.warmupMs * 1000
  windowEndUs = windowStartUs + job.windowMs * 1000
  if (job.side === 'autocannon') count = await runAutocannon(job, message.t0Us, message.epoch)
  else {
    onStart?.(message.t0Us, message.epoch)
    await sleep((windowEndUs - nowUs()) / 1000 + 20)
  }
  const latency = { fromSched: summarizeHistogram(fromSched.histogram), fromSend: summarizeHistogram(fromSend.histogram) }
  process.send?.({ type: 'result', count, windowMs: job.windowMs, latency } satisfies FromHarnessClient)
}

process.on('message', (message: ToHarnessClient) => {
  handle(message).catch((err: unknown) => {
    process.send?.({ type: 'error', code: 'HARNESS_CLIENT', message: (err as Error).stack ?? String(err) } satisfies FromHarnessClient)
  })
})
process.once('disconnect', () => process.exit(0))
