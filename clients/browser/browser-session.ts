import { createHash, X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_PATH, type BrowserPageOutcome, type LoadgenJob, type LoadgenReport, type ProcessStats, type RunStarted, type RunStopped } from '../../core/control.ts'
import { nowUs, sleep } from '../../core/clock.ts'
import { errors } from '../../core/errors.ts'
import { encodeHistogram, mergeHistograms } from '../../core/histogram.ts'
import { mergeMissingSeqs, sumCounters } from '../../core/measures.ts'
import { PATHS } from '../../core/wire-protocol.ts'
import type { LoadgenSession } from '../loadgen-process.ts'
import { saturationReasons } from '../saturation.ts'
import { readTreeUsage, type TreeUsage } from './browser-cpu.ts'
import { pageScript } from './page-bundle.ts'
import type { PageApi, PageFinish } from './page.ts'

/** Clients per page when the job does not say: under Chromium's 6 HTTP/1.1 connections per origin, with one left for upstream POSTs. */
export const DEFAULT_CLIENTS_PER_PAGE = 5

/** Exchanges with GET /_feedbench/clock per page; the one with the smallest round trip sets the offset. */
const CLOCK_EXCHANGES = 30

const PAGE_LOAD_ATTEMPTS = 4
const NETWORK_CHANGED_PAUSE_MS = 250

/** A page whose clients have not connected after this long is taken as held back by the browser, and the next page connects, ms. */
const CONNECT_QUIET_MS = 2_000

// headless Chromium without the services that would add background traffic or CPU; timers of pages that
// are not in front must not be throttled, or a tab's clients would read late because of the harness
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows']

/** Why browser clients report no wire bytes. */
export const BROWSER_BYTES_NOT_MEASURED = 'not measured: a browser page cannot read its sockets\' byte counts (no bytesRead / bytesWritten), and no figure is estimated in their place'

interface PageSlot {
  readonly index: number
  readonly job: LoadgenJob
  readonly page: Page
  connected: boolean
}

/**
 * A load generator whose clients run in Debian's Chromium: P pages × C clients, each page running the
 * same LoadSession as the Node generator over the browser's own WebSocket, EventSource and fetch. Each
 * page is its own browser context (one user, its own 6 connections per origin), unless the job asks for
 * one context shared by every page (tabs of one user, who share the limit). CPU and memory are this
 * process's and every Chromium process's below it, read from /proc: the saturation guard.
 */
export class BrowserSession implements LoadgenSession {
  readonly clients: number
  connectMs = 0
  private readonly job: LoadgenJob
  private browser: Browser | undefined
  private readonly slots: PageSlot[] = []
  private readonly pageErrors: string[] = []
  private started: RunStarted | undefined
  private usageStart: TreeUsage | undefined
  private usageStartUs = 0
  private runStats: ProcessStats | undefined
  private runEndTimer: NodeJS.Timeout | undefined

  constructor (job: LoadgenJob) {
    this.job = job
    this.clients = job.clientCount
  }

  /** Launches Chromium, opens the pages, aligns their clocks, then connects every page's clients. */
  async connectAll (): Promise<void> {
    if (!existsSync(CHROMIUM_PATH)) throw new errors.BENCH_ERR_ENVIRONMENT('--clients-in chromium', `${CHROMIUM_PATH} is missing`, 'install the Debian package chromium (apt-get install -y chromium)')
    const trust = this.job.caPem === undefined ? [] : [`--ignore-certificate-errors-spki-list=${spkiHash(this.job.caPem)}`]
    this.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...trust] })
    const script = await pageScript()
    const perPage = this.job.clientsPerPage ?? DEFAULT_CLIENTS_PER_PAGE
    const pages = Math.ceil(this.job.clientCount / perPage)
    let shared: BrowserContext | undefined
    if (this.job.sharedBrowserContext === true) shared = await this.browser.newContext()
    // every page is open and its clock aligned before any stream starts: a page the browser holds back
    // behind other pages' streams could not reach the clock route either
    for (let p = 0; p < pages; p++) {
      const context = shared ?? await this.browser.newContext()
      const page = await context.newPage()
      page.on('pageerror', (err) => { this.pageErrors.push(`page ${p}: ${err.message}`) })
      await openPage(page, this.job.baseUrl + PATHS.browserPage)
      await page.addScriptTag({ content: script })
      const firstClient = this.job.firstClient + p * perPage
      const job: LoadgenJob = { ...this.job, firstClient, clientCount: Math.min(perPage, this.job.firstClient + this.job.clientCount - firstClient) }
      this.slots.push({ index: p, job, page, connected: false })
      await page.evaluate((n) => (globalThis as unknown as { feedbench: PageApi }).feedbench.alignClock(n), CLOCK_EXCHANGES)
    }
    // pages connect in order, as a user opens tabs one after another: a page the browser holds back
    // (no free connection) is given CONNECT_QUIET_MS, then the next page goes; it keeps waiting meanwhile
    const startMs = performance.now()
    for (const slot of this.slots) {
      let failed: Error | undefined
      const connecting = slot.page.evaluate((job) => (globalThis as unknown as { feedbench: PageApi }).feedbench.connect(job), slot.job)
        .then(() => { slot.connected = true }, (err: unknown) => { failed = err as Error })
      await Promise.race([connecting, sleep(CONNECT_QUIET_MS)])
      if (failed !== undefined) throw failed
    }
    this.connectMs = performance.now() - startMs
    const held = this.slots.filter((s) => !s.connected).map((s) => s.index)
    if (held.length > 0) process.stderr.write(`browser pages ${held.join(', ')} had not connected within ${CONNECT_QUIET_MS} ms each; the round goes on and counts what they miss\n`)
  }

  /** The run started: every page fixes its window; CPU is read from now until the run's end. */
  start (started: RunStarted, runMs: number): void {
    this.started = started
    this.usageStart = readTreeUsage(process.pid)
    this.usageStartUs = nowUs()
    this.runEndTimer = setTimeout(() => { this.runStats = this.treeStats() }, Math.max(0, (started.t0Us + runMs * 1000 - nowUs()) / 1000))
    for (const slot of this.slots) {
      slot.page.evaluate(([s, ms]) => { (globalThis as unknown as { feedbench: PageApi }).feedbench.start(s, ms) }, [started, runMs] as const)
        .catch((err: unknown) => { this.pageErrors.push(`page ${slot.index} start: ${(err as Error).message}`) })
    }
  }

  /** Collects every page's report and adds them into one: counters summed, histograms added, never averaged. */
  async finish (stopped: RunStopped): Promise<LoadgenReport> {
    clearTimeout(this.runEndTimer)
    const process = this.runStats ?? this.treeStats()
    const finished = await Promise.all(this.slots.map((s) =>
      s.page.evaluate((st) => (globalThis as unknown as { feedbench: PageApi }).feedbench.finish(st), stopped)))
    if (this.pageErrors.length > 0) throw new errors.BENCH_ERR_CHILD_FAILED('browser page', this.pageErrors.slice(0, 3).join('; '))
    return this.mergeReports(finished, process)
  }

  /** Closes every page's connections and the browser. */
  async close (): Promise<void> {
    clearTimeout(this.runEndTimer)
    await Promise.all(this.slots.map((s) => s.page.evaluate(() => (globalThis as unknown as { feedbench: PageApi }).feedbench.close()).catch(() => {})))
    await this.browser?.close().catch(() => {})
  }

  private treeStats (): ProcessStats {
    const end = readTreeUsage(process.pid)
    const start = this.usageStart ?? end
    return {
      cpuUserUs: end.userUs - start.userUs,
      cpuSystemUs: end.systemUs - start.systemUs,
      rssBytes: end.rssBytes,
      heapUsedBytes: process.memoryUsage().heapUsed,
      elapsedUs: nowUs() - this.usageStartUs,
      eventLoopDelayP50Us: 0,
      eventLoopDelayP99Us: 0,
      eventLoopDelayMaxUs: 0,
    }
  }

  private mergeReports (finished: readonly PageFinish[], tree: ProcessStats): LoadgenReport {
    const reports = finished.map((f) => f.report)
    const merged = (key: keyof LoadgenReport['histograms']): string => encodeHistogram(mergeHistograms(reports.flatMap((r) => r.histograms[key] ?? [])))
    const hasRecovered = reports.some((r) => r.histograms.recover !== undefined)
    // the generator's figures: CPU and memory of the whole process tree, the worst page main-thread delay
    const process: ProcessStats = {
      ...tree,
      eventLoopDelayP50Us: Math.max(0, ...reports.map((r) => r.process.eventLoopDelayP50Us)),
      eventLoopDelayP99Us: Math.max(0, ...reports.map((r) => r.process.eventLoopDelayP99Us)),
      eventLoopDelayMaxUs: Math.max(0, ...reports.map((r) => r.process.eventLoopDelayMaxUs)),
    }
    const t0Us = this.started?.t0Us ?? 0
    const pages: BrowserPageOutcome[] = finished.map((f, i) => ({
      page: this.slots[i]?.index ?? i,
      clients: f.report.clients,
      clockBoundUs: Math.round(f.clock.boundUs),
      firstMessageMs: f.firstRecvUs === 0 ? null : Math.round((f.firstRecvUs - t0Us) / 100) / 10,
      received: f.received,
      neverConnected: f.neverConnected,
      protocol: f.protocol,
      movedToSend: f.movedToSend,
    }))
    return {
      worker: this.job.worker,
      clients: sum(reports.map((r) => r.clients)),
      counters: sumCounters(reports.map((r) => r.counters)),
      missing: mergeMissingSeqs(reports.map((r) => r.missing)),
      histograms: {
        latency: merged('latency'),
        latencyFromSend: merged('latencyFromSend'),
        connect: merged('connect'),
        firstMessage: merged('firstMessage'),
        ...(hasRecovered ? { recover: merged('recover') } : {}),
      },
      deliveredInWindow: sum(reports.map((r) => r.deliveredInWindow)),
      // buckets of the same second from several pages are added when the round merges its generators
      timeline: reports.flatMap((r) => r.timeline ?? []),
      outOfRange: sum(reports.map((r) => r.outOfRange)),
      bytes: { setupRead: 0, setupWritten: 0, steadyRead: 0, steadyWritten: 0 },
      bytesNotMeasured: BROWSER_BYTES_NOT_MEASURED,
      payloadBytesReceived: sum(reports.map((r) => r.payloadBytesReceived)),
      process,
      saturation: [
        // each page judged its own main-thread delay, reader cuts and upstream lag; the tree's CPU is judged here
        ...reports.flatMap((r, i) => r.saturation.map((s) => `page ${pages[i]?.page ?? i}: ${s}`)),
        ...saturationReasons({ ...tree, eventLoopDelayP99Us: 0 }, undefined, 0),
      ],
      browser: { clockBoundUs: Math.max(0, ...pages.map((p) => p.clockBoundUs)), pages },
    }
  }
}

/**
 * Loads the page. Chromium aborts requests in flight with ERR_NETWORK_CHANGED when the host's network
 * interfaces change (another process adding a namespace or a veth pair is enough); the page holds no
 * state yet, so loading it again is safe. Any other failure, or a fourth one, is thrown.
 */
async function openPage (page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url)
      return
    } catch (err) {
      if (attempt >= PAGE_LOAD_ATTEMPTS || !(err as Error).message.includes('ERR_NETWORK_CHANGED')) throw err
      await sleep(NETWORK_CHANGED_PAUSE_MS)
    }
  }
}

/**
 * The base64 SHA-256 of the certificate's public key (SubjectPublicKeyInfo): Chromium's
 * --ignore-certificate-errors-spki-list trusts exactly the certificates with that key, and no other
 * certificate error is ignored. The run's certificate is self-signed and made at start-up, so no CA
 * store is touched.
 */
export function spkiHash (certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(spki).digest('base64')
}

function sum (values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}
