import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

let chartJsCache: string | undefined

/**
 * The chart.js UMD bundle, read once from node_modules. The package does not export
 * dist/chart.umd.min.js, so resolve the package main and read the file beside it.
 */
export function chartJsSource (): string {
  if (chartJsCache === undefined) {
    const main = createRequire(import.meta.url).resolve('chart.js')
    const source = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8')
    // inside a <script> element `<!--` may switch the HTML parser into an escaped state: refuse rather than guess
    if (source.includes('<!--')) throw new Error(`chart.js bundle beside ${main} contains "<!--"; it cannot be inlined safely`)
    chartJsCache = source.replace(/<\/(script)/gi, '<\\/$1')
  }
  return chartJsCache
}

/** The CSP source expression allowing exactly this inline script or style text. */
export function cspHash (text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/** Draws every chart from the embedded JSON; plain browser JavaScript, no network, no eval. */
export const CLIENT_SCRIPT = `(function () {
  'use strict'
  var data = JSON.parse(document.getElementById('feedbench-data').textContent)
  function sig (v) { return Number(Number(v).toPrecision(3)) }
  function fmtUs (v) {
    if (Math.round(v) < 1000) return Math.round(v) + ' \\u00b5s'
    if (sig(v / 1000) < 1000) return sig(v / 1000) + ' ms'
    return sig(v / 1e6) + ' s'
  }
  function fmtBytes (v) {
    if (v < 1000) return Math.round(v) + ' B'
    if (v < 1e6) return sig(v / 1e3) + ' kB'
    if (v < 1e9) return sig(v / 1e6) + ' MB'
    return sig(v / 1e9) + ' GB'
  }
  function fmt (unit, v) {
    if (unit === '\\u00b5s') return fmtUs(v)
    if (unit === 'B') return fmtBytes(v)
    if (unit === 'B/s') return fmtBytes(v) + '/s'
    return sig(v).toLocaleString('en-US') + ' ' + unit
  }
  function pct (x) { return Number((100 * (1 - Math.pow(10, -x))).toPrecision(6)) + '%' }
  function tickLabel (x) {
    var found = data.percentileTicks.filter(function (t) { return Math.abs(t.x - x) < 1e-6 })[0]
    return found ? found.label : pct(x)
  }
  function isRound (v) {
    var m = Number((v / Math.pow(10, Math.floor(Math.log10(v)))).toFixed(6))
    return m === 1 || m === 2 || m === 5
  }
  Chart.defaults.animation = false
  Chart.defaults.responsive = true
  Chart.defaults.maintainAspectRatio = false
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
  Chart.defaults.color = '#222'
  function percentileConfig (spec) {
    var maxX = 2
    spec.series.forEach(function (s) { s.points.forEach(function (p) { maxX = Math.max(maxX, Math.ceil(p.x)) }) })
    maxX = Math.min(maxX, 5)
    return {
      type: 'scatter',
      data: {
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.points, borderColor: s.color, backgroundColor: s.color, showLine: true,
            borderDash: s.dashed ? [6, 4] : [], pointRadius: 0, pointHitRadius: 6, borderWidth: 2 }
        })
      },
      options: {
        scales: {
          x: { type: 'linear', min: 0, max: maxX, title: { display: true, text: 'percentile (axis: log 1/(1\\u2212p))' },
            afterBuildTicks: function (axis) {
              axis.ticks = data.percentileTicks.filter(function (t) { return t.x <= axis.max + 1e-9 }).map(function (t) { return { value: t.x } })
            },
            ticks: { callback: function (v) { return tickLabel(v) } } },
          y: { type: 'logarithmic', title: { display: true, text: 'latency' },
            ticks: { callback: function (v) { return isRound(v) ? fmtUs(v) : '' } } }
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + pct(c.parsed.x) + ' of messages within ' + fmtUs(c.parsed.y) } } } }
      }
    }
  }
  function timelineConfig (spec) {
    return {
      type: 'scatter',
      data: {
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.points, borderColor: s.color, backgroundColor: s.color, showLine: true,
            borderDash: s.dashed ? [6, 4] : [], pointRadius: s.dashed ? 0 : 2, pointHitRadius: 6, borderWidth: s.dashed ? 1 : 2 }
        })
      },
      options: {
        scales: {
          x: { type: 'linear', title: { display: true, text: 'second of the measured window (by scheduled time)' }, ticks: { precision: 0 } },
          y: { type: 'logarithmic', title: { display: true, text: 'latency' },
            ticks: { callback: function (v) { return isRound(v) ? fmtUs(v) : '' } } }
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ', second ' + c.parsed.x + ': ' + fmtUs(c.parsed.y) } } } }
      }
    }
  }
  function mapConfig (spec) {
    return {
      type: 'scatter',
      data: {
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.points, borderColor: s.color, backgroundColor: s.color, showLine: true,
            pointRadius: 3, pointHitRadius: 6, borderWidth: 1.5 }
        })
      },
      options: {
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'messages per second per client (log)' },
            ticks: { callback: function (v) { return isRound(v) ? sig(v) : '' } } },
          y: { type: 'logarithmic', title: { display: true, text: spec.unit + ' (log)' },
            ticks: { callback: function (v) { return isRound(v) ? fmt(spec.unit, v) : '' } } }
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ' at ' + sig(c.parsed.x) + ' msg/s: ' + fmt(spec.unit, c.parsed.y) + ' (measured)' } } } }
      }
    }
  }
  function barConfig (spec) {
    var stacked = spec.stacked === true
    return {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s) { return { label: s.label, data: s.values, backgroundColor: s.color, stack: s.stack } })
      },
      options: {
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, title: { display: true, text: spec.unit }, ticks: { callback: function (v) { return fmt(spec.unit, v) } } }
        },
        plugins: {
          legend: { display: spec.series.length > 1 },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(spec.unit, c.parsed.y) } } }
        }
      }
    }
  }
  var charts = []
  data.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id)
    if (canvas === null) return
    charts.push(new Chart(canvas, spec.kind === 'percentile' ? percentileConfig(spec) : spec.kind === 'timeline' ? timelineConfig(spec) : spec.kind === 'map' ? mapConfig(spec) : barConfig(spec)))
  })
  function resizeAll () { charts.forEach(function (c) { c.resize() }) }
  window.addEventListener('beforeprint', resizeAll)
  window.addEventListener('afterprint', resizeAll)
  document.documentElement.setAttribute('data-charts-drawn', String(charts.length))
})()
`

/** The page's CSS: readable width, wrapping tables, print rules. */
export const STYLES = `
:root { --fg: #1a1a1a; --muted: #555; --line: #d8d8d8; --best: #1b7f3b; --fits: #2a6fb0; --poor: #b3261e; --none: #6b6b6b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.55rem; margin: .4rem 0 .2rem; } h2 { font-size: 1.3rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; } p, li { max-width: 75ch; } .muted, figcaption { color: var(--muted); }
nav { font-size: .9rem; margin: .4rem 0 1rem; } nav a { margin-right: 1rem; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .45rem; border-bottom: 1px solid var(--line); overflow-wrap: break-word; word-break: break-word; }
th { word-break: normal; } .verdict-matrix td:first-child { width: 18%; } table.claims td:first-child { width: 42%; } table.claims td:nth-child(2) { width: 9rem; }
th { background: #f3f3f3; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; white-space: nowrap; padding: 0 .55rem; border-radius: 1rem; font-weight: 700; color: #fff; font-size: .85rem; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.fit-best { background: var(--best); } .fit-fits { background: var(--fits); } .fit-poor { background: var(--poor); } .fit-no-verdict { background: var(--none); }
.claim-confirmed { background: var(--best); } .claim-not-confirmed { background: var(--poor); } .claim-depends-on-workload { background: #8a5a00; } .claim-not-measured { background: var(--none); }
.cell-figure { font-weight: 600; } .cell-note { font-size: .8rem; color: var(--muted); } .cell-reason { font-size: .8rem; color: var(--poor); }
.banner { padding: .6rem .9rem; border-left: 6px solid; margin: .8rem 0; }
.banner.invalid { border-color: var(--poor); background: #fdecea; } .banner.fixture { border-color: #8a5a00; background: #fff4d6; } .banner.ok { border-color: var(--best); background: #eaf6ec; }
.invalid-tag { color: var(--poor); font-weight: 700; }
ul.first-screen { padding-left: 1.2rem; } ul.first-screen li { font-size: 1.05rem; margin: .35rem 0; max-width: none; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 1rem; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .6rem; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; } figure.chart h4 { margin: 0 0 .3rem; font-size: .95rem; }
.chart-box { position: relative; height: 250px; } .chart-box canvas { max-width: 100%; } figure.chart.wide .chart-box { height: 340px; }
figcaption { font-size: .85rem; margin-top: .3rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .6rem; font-size: .8rem; }
@media print {
  nav { display: none; } main { max-width: none; padding: 0; } body { font-size: 10.5pt; }
  figure.chart, tr, .banner { break-inside: avoid; } h2, h3 { break-after: avoid; }
  .charts { grid-template-columns: 1fr 1fr; } .chart-box { height: 200px; } figure.chart.wide .chart-box { height: 260px; }
}
@page { margin: 12mm; }
`
