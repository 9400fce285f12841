import { describe, expect, it } from 'vitest'
import { buildSampleResult, SAMPLE_SCENARIOS } from '../results/fixtures/build-sample.ts'
import { embedJson, escapeHtml, html } from './html.ts'
import { renderReport } from './render.ts'
import { renderTerminalSummary } from './terminal.ts'

const XSS = '</script><img src=x onerror=alert(1)>'

function hostileRun () {
  return buildSampleResult({
    scenarios: [SAMPLE_SCENARIOS[0]!, { ...SAMPLE_SCENARIOS[1]!, name: XSS, description: XSS }],
    invalid: [{ scenario: XSS, transport: 'sse', round: 1, reason: XSS }],
  })
}

/** The page with the embedded JSON and the inline scripts cut out, i.e. the markup a reader sees. */
function markupOnly (page: string): string {
  return page.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
}

describe('html helpers', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml('<a href="x" title=\'y\'>&</a>')).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
  })

  it('html`` escapes interpolations, nested arrays included, and keeps SafeHtml as is', () => {
    const inner = html`<b>${'<i>'}</b>`
    expect(html`<p>${[XSS, inner]}</p>`.value).toBe(`<p>${escapeHtml(XSS)}<b>&lt;i&gt;</b></p>`)
  })

  it('embedded JSON cannot end its script element and round-trips', () => {
    const value = { name: XSS, sep: '\u2028\u2029', comment: '<!-- x -->' }
    const text = embedJson(value).value
    expect(text).not.toMatch(/[<>\u2028\u2029]/)
    expect(JSON.parse(text)).toEqual(value)
  })
})

describe('renderReport', () => {
  const page = renderReport(hostileRun())

  it('shows a hostile scenario name and invalid reason only escaped', () => {
    const escaped = escapeHtml(XSS)
    expect(page.split(escaped).length - 1).toBeGreaterThanOrEqual(3)
    expect(page).not.toContain('<img')
    expect(page).not.toContain('onerror=alert(1)>')
  })

  it('embeds JSON with no raw </script and only its own three script elements', () => {
    const json = /<script type="application\/json" id="feedbench-data">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? ''
    expect(json.length).toBeGreaterThan(0)
    expect(json).not.toMatch(/<\/script/i)
    expect(JSON.parse(json).charts.length).toBe(16) // 2 scenarios × 8 charts (percentiles, timeline, 6 bars)
    expect(page.match(/<script\b/g)).toHaveLength(3)
    expect(page.match(/<\/script>/g)).toHaveLength(3)
  })

  it('loads nothing from the network: no http(s) URL in src or href, chart.js inlined, a strict CSP', () => {
    expect(page).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(page).toContain('Chart.js v4')
    expect(page).toMatch(/Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+'/)
  })

  it('puts the verdict matrix first, with one row per workload and a badge per transport', () => {
    const markup = markupOnly(page)
    const firstTable = markup.indexOf('<table')
    expect(markup.indexOf('class="verdict-matrix"')).toBe(firstTable + '<table '.length)
    const matrix = markup.slice(firstTable, markup.indexOf('</table>', firstTable))
    expect(matrix.match(/<tr>/g)).toHaveLength(3)
    expect(matrix.match(/class="badge fit-/g)).toHaveLength(8)
    expect(markup).toContain('the cheapest per 10,000 users')
    // the first screen: one sentence per workload, before the matrix
    const pick = markup.indexOf('<section id="pick">')
    expect(pick).toBeGreaterThan(-1)
    expect(pick).toBeLessThan(firstTable)
    const firstScreen = markup.slice(pick, markup.indexOf('</section>', pick))
    expect(firstScreen.match(/<li>/g)).toHaveLength(2)
    expect(firstScreen).toMatch(/<li>fixture-broadcast, 8 clients at 100 msg\/s: (ws|sse|long-poll|poll)(?: or \S+)* — (?:a tie [^:]*: \S+ )?meets p99 ≤ 100 ms with \d+× headroom \(CPU projection\) at [\d.]+ cores per 10k users/)
    expect(matrix).toMatch(/[\d.]+ cores( \[[\d.–]+ cores\])? per 10k users/)
  })

  it('marks INVALID rounds loudly and says a fixture is not a measurement', () => {
    expect(page).toContain('1 INVALID round.')
    expect(page).toContain('TEST FIXTURE.')
  })

  it('stays under 1 MB for 2 scenarios × 4 transports × 3 rounds, with a baseline', () => {
    const withBaseline = renderReport(buildSampleResult(), { baseline: buildSampleResult({ seed: 7 }) })
    expect(Buffer.byteLength(withBaseline)).toBeLessThan(1024 * 1024)
    expect(withBaseline).toContain('Change against baseline fixture-7')
    expect(withBaseline).toContain('(baseline)')
  })

  it('says so instead of comparing when the baseline ran another config', () => {
    const other = buildSampleResult({ transports: ['ws', 'sse'] })
    expect(renderReport(buildSampleResult(), { baseline: other })).toContain('Not comparable:')
  })
})

describe('renderTerminalSummary', () => {
  it('mirrors the figures, the verdict and the INVALID rounds with units', () => {
    const text = renderTerminalSummary(hostileRun())
    expect(text).toMatch(/fixture-broadcast\s+ws\s+[\d,]+ \([\d,]+\)\s+[\d.]+ (µs|ms)/)
    expect(text).toContain('Verdict')
    expect(text.split('\n')[1]).toMatch(/^What to pick/)
    expect(text.split('\n')[2]).toMatch(/^ {2}fixture-broadcast, 8 clients at 100 msg\/s: \S+(?: or \S+)* — (?:a tie [^:]*: \S+ )?meets p99 ≤ 100 ms/)
    expect(text).toMatch(/best: \S+ \(p99 [\d.]+ (µs|ms); [\d.]+ cores\/10k users; \d+× headroom \(CPU projection\)/)
    expect(text).toContain(`${XSS} / sse round 1: ${XSS}`)
    expect(text.split('\n')[0]).toContain('TEST FIXTURE')
  })
})
