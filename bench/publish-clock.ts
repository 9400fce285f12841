/**
 * npx tsx bench/publish-clock.ts [--rate 200] [--messages 1000] [--rounds 3] [--leads 150,200,250,300]
 * Does the publisher meet its schedule? Side by side, in one process, rounds interleaved (the order
 * rotates every round): the hub on the setTimeout clock (the publisher before servers/publish-clock.ts)
 * and on the worker clock at each lead. Per variant: publish lag (publish − scheduled, µs; histograms of
 * all rounds added, never averaged), main-thread spin and worker-thread CPU µs per message (the cost of
 * precision), and process CPU µs per message with and without them. One broadcast stream, no
 * subscribers: the figures are the timer's alone.
 */
import { parseArgs } from 'node:util'
import { resolveScenario } from '../core/config.ts'
import { sleep } from '../core/clock.ts'
import { mergeHistograms, summarizeHistogram } from '../core/histogram.ts'
import { createHub } from '../servers/hub.ts'
import { createPublishClock, type PublishClockOptions } from '../servers/publish-clock.ts'

/** One clock configuration under test. */
interface Variant {
  readonly name: string
  readonly clock: PublishClockOptions
}

/** What one variant measured, summed over its rounds. */
interface Totals {
  readonly histograms: string[]
  published: number
  spinUs: number
  workerCpuUs: number
  cpuUs: number
}

/** Lets a worker clock come online before its run starts, ms. */
const WORKER_START_MS = 300

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    messages: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    leads: { type: 'string', default: '150,200,250,300' },
  },
})
const ratePerSec = Number(values.rate)
const messages = Number(values.messages)
const rounds = Number(values.rounds)
const leadsUs = values.leads.split(',').map(Number)
const variants: Variant[] = [
  { name: 'setTimeout (old)', clock: { kind: 'timeout' } },
  ...leadsUs.map((leadUs) => ({ name: `worker, lead ${leadUs} µs`, clock: { kind: 'worker' as const, leadUs } })),
]
const totals = new Map<string, Totals>(variants.map((v) => [v.name, { histograms: [], published: 0, spinUs: 0, workerCpuUs: 0, cpuUs: 0 }]))
const durationMs = Math.ceil(messages * 1000 / ratePerSec)
const config = resolveScenario({ name: 'publish-clock', pattern: 'broadcast', clients: 1, ratePerSec })

for (let round = 0; round < rounds; round++) {
  for (let v = 0; v < variants.length; v++) {
    const variant = variants[(v + round) % variants.length] as Variant
    const clock = createPublishClock(variant.clock)
    const hub = createHub(config, { clock })
    await sleep(WORKER_START_MS)
    const cpuBefore = process.cpuUsage()
    hub.run(durationMs)
    await sleep(durationMs + 20)
    const stopped = hub.stop()
    const cpu = process.cpuUsage(cpuBefore)
    const workerCpuUs = hub.publisherWorkerCpuUs ?? 0
    hub.close()
    await clock.close()
    if (clock.kind !== (variant.clock.kind ?? 'worker')) throw new Error(`${variant.name}: the clock fell back to ${clock.kind}`)
    const total = totals.get(variant.name) as Totals
    total.histograms.push(stopped.publishLag?.histogram ?? '')
    total.published += stopped.published
    total.spinUs += stopped.publisherSpinUs ?? 0
    total.workerCpuUs += workerCpuUs
    total.cpuUs += cpu.user + cpu.system
  }
}

console.log(`${ratePerSec} msg/s, ${messages} messages × ${rounds} rounds per variant, node ${process.version}`)
console.log('variant                 lag p50 µs  p90 µs  p99 µs  max µs  spin µs/msg  worker µs/msg  CPU µs/msg  CPU−spin−worker µs/msg')
for (const variant of variants) {
  const total = totals.get(variant.name) as Totals
  const lag = summarizeHistogram(mergeHistograms(total.histograms))
  const perMessage = (us: number): string => (us / Math.max(1, total.published)).toFixed(1).padStart(11)
  console.log(`${variant.name.padEnd(22)} ${String(lag.p50Us).padStart(9)} ${String(lag.p90Us).padStart(7)} ${String(lag.p99Us).padStart(7)} ${String(lag.maxUs).padStart(7)} ${perMessage(total.spinUs)} ${perMessage(total.workerCpuUs).padStart(14)} ${perMessage(total.cpuUs)} ${perMessage(total.cpuUs - total.spinUs - total.workerCpuUs).padStart(23)}`)
}
