import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSampleResult, SAMPLE_SCENARIOS } from '../results/fixtures/build-sample.ts'
import { renderReport } from './render.ts'

const CHROMIUM = '/usr/bin/chromium'
const XSS = '</script><img src=x onerror=alert(1)>'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI !== undefined && process.env.CI !== '') {
  throw new Error(`${CHROMIUM} is missing and CI is set: install it with apt-get install -y chromium`)
}
if (!hasChromium) console.warn(`skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`)

describe.skipIf(!hasChromium)('report in a real browser', () => {
  let dir: string
  let context: BrowserContext
  let reportUrl: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedbench-e2e-'))
    const result = buildSampleResult({
      scenarios: [...SAMPLE_SCENARIOS, { ...SAMPLE_SCENARIOS[0]!, name: XSS, description: XSS }],
      invalid: [{ scenario: 'fixture-chat', transport: 'poll', round: 2, reason: XSS }],
    })
    const file = join(dir, 'report.html')
    const baseline = buildSampleResult({ scenarios: result.scenarios, seed: 7 })
    writeFileSync(file, renderReport(result, { baseline }))
    reportUrl = pathToFileURL(file).href
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  })

  afterAll(async () => {
    await context?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('opens offline, draws every chart with data, shows the verdict first and renders hostile names as text', async () => {
    const page = await context.newPage()
    const consoleErrors: string[] = []
    const external: string[] = []
    const dialogs: string[] = []
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()) })
    page.on('pageerror', (e) => consoleErrors.push(e.message))
    page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) external.push(r.url()) })
    page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss() })

    await page.goto(reportUrl, { waitUntil: 'load' })
    await page.waitForSelector('html[data-charts-drawn]')

    const canvases = await page.evaluate(() => {
      const Chart = (window as unknown as { Chart: { getChart: (c: HTMLCanvasElement) => { data: { datasets: Array<{ data: unknown[] }> } } | undefined } }).Chart
      return Array.from(document.querySelectorAll('canvas')).map((canvas) => {
        const chart = Chart.getChart(canvas)
        const blank = document.createElement('canvas')
        blank.width = canvas.width
        blank.height = canvas.height
        const points = chart?.data.datasets.reduce((n, d) => n + d.data.length, 0) ?? 0
        return { id: canvas.id, hasChart: chart !== undefined, points, width: canvas.width, drawn: canvas.toDataURL() !== blank.toDataURL() }
      })
    })
    expect(canvases.length).toBeGreaterThanOrEqual(14)
    for (const c of canvases) {
      expect(c, c.id).toMatchObject({ hasChart: true, drawn: true })
      expect(c.points, c.id).toBeGreaterThan(0)
      expect(c.width, c.id).toBeGreaterThan(0)
    }

    // verdict first: the matrix is the first table on the page and names every workload
    const firstTable = await page.locator('table').first().getAttribute('class')
    expect(firstTable).toBe('verdict-matrix')
    expect(await page.locator('table.verdict-matrix tbody tr').count()).toBe(3)
    expect(await page.locator('table.verdict-matrix .badge').count()).toBe(12)

    // hostile text is text: no dialog, no injected img, the literal string is visible
    expect(dialogs).toEqual([])
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.locator('table.verdict-matrix').innerText()).toContain(XSS)
    expect(await page.locator('table.invalid-rounds').innerText()).toContain(XSS)

    // readable on a laptop screen: no horizontal scrolling
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)

    expect(consoleErrors).toEqual([])
    expect(external).toEqual([])

    mkdirSync('test-artifacts', { recursive: true })
    await page.screenshot({ path: 'test-artifacts/report.png', fullPage: true })
    // printing: charts are resized for the page and nothing overflows an A4 width
    await page.emulateMedia({ media: 'print' })
    await page.setViewportSize({ width: 794, height: 1123 })
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')))
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0)
    await page.pdf({ path: 'test-artifacts/report.pdf', format: 'A4' })
  })
})
