import type { CompareRow, Comparison, Verdict } from './compare.ts'
import { sensitivityText } from './gate-sensitivity.ts'
import { smallestPairedPValue, smallestPValue } from './stats.ts'

/** Labels of the two compared runs, shown in the header (file names or commits). */
export interface MarkdownLabels {
  readonly base: string
  readonly head: string
}

const VERDICT_ORDER: readonly Verdict[] = ['regression', 'improvement', 'within noise', 'insufficient rounds']

/** Renders a comparison as GitHub-flavoured markdown: verdict header, how to read it, one table per scenario. */
export function renderMarkdown (comparison: Comparison, labels: MarkdownLabels): string {
  const lines: string[] = []
  const gating = comparison.rows.filter((r) => r.kind === 'absolute')
  const overall = comparison.hasRegression ? 'REGRESSION' : 'pass'
  lines.push(`## feedbench compare: ${overall}`, '')
  lines.push(...injectionWarning(comparison))
  lines.push(`${countText(gating)} (base ${code(labels.base)}, head ${code(labels.head)}, threshold ${comparison.thresholdPct}%, α = ${comparison.alpha}).`, '')
  lines.push(schedule(comparison), '')
  lines.push(howToRead(comparison), '')
  lines.push(sensitivityText(), '')
  for (const scenario of unique(comparison.rows.map((r) => r.scenario))) {
    const rows = comparison.rows.filter((r) => r.scenario === scenario)
    const absolute = rows.filter((r) => r.kind === 'absolute')
    const cross = rows.filter((r) => r.kind === 'cross-transport')
    lines.push(`### ${escape(scenario)}`, '')
    lines.push(...table(['transport', 'metric', 'base', 'head', 'change', 'ratio 95% interval', 'p', 'q', 'rounds', 'verdict'],
      absolute.map((r) => [r.transport, `${r.label} (${r.unit})`, value(r.baseMedian), value(r.headMedian), change(r), interval(r), pValue(r.pValue), pValue(r.qValue), `${r.baseRounds} / ${r.headRounds}`, verdict(r.verdict)])))
    if (cross.length > 0) {
      lines.push('', `Relative to ${code(cross[0]?.reference ?? '')} (per round, not gating):`, '')
      lines.push(...table(['transport', 'metric', 'base', 'head', 'change', 'ratio 95% interval', 'p', 'q', 'rounds', 'verdict'],
        cross.map((r) => [`${r.transport} / ${r.reference ?? ''}`, r.label, ratio(r.baseMedian), ratio(r.headMedian), change(r), interval(r), pValue(r.pValue), pValue(r.qValue), `${r.baseRounds} / ${r.headRounds}`, verdict(r.verdict)])))
    }
    lines.push('')
  }
  if (comparison.excludedRounds.length > 0) {
    lines.push('### Invalid rounds (left out)', '')
    lines.push(...table(['run', 'scenario', 'transport', 'round', 'why'],
      comparison.excludedRounds.map((r) => [r.side, r.scenario, r.transport, String(r.round), r.reasons.join('; ') || 'not stated'])))
    lines.push('')
  }
  return lines.join('\n')
}

function injectionWarning (comparison: Comparison): string[] {
  const sides = (['base', 'head'] as const).filter((side) => comparison.injectedDelayUs[side] > 0)
  if (sides.length === 0) return []
  const which = sides.map((side) => `${side} (${comparison.injectedDelayUs[side]} µs per batch)`).join(' and ')
  return [`> **Test mode:** ${which} ran with an injected slowdown (\`--inject-delay-us\`, FEEDBENCH_TEST_MODE=1). This comparison measures the gate, not the code.`, '']
}

function schedule (comparison: Comparison): string {
  return comparison.interleavedOrder === null
    ? '*Schedule:* base and head were not run interleaved round by round: a slow drift of the machine between the two runs lands on one side (`npm run bench:ab` interleaves them).'
    : `*Schedule:* base and head ran interleaved round by round on one machine (\`npm run bench:ab\`, order ${comparison.interleavedOrder}, A = base, B = head), so a slow drift of the machine lands on both sides alike.`
}

function howToRead (comparison: Comparison): string {
  const isPaired = comparison.interleavedOrder !== null
  const minRounds = minimumRounds(comparison.alpha, isPaired)
  return [
    '*How to read:* base and head are medians over valid rounds; change = head / base − 1;',
    isPaired
      ? 'the runs were interleaved, so each absolute row is judged pair by pair (round k of base ran beside round k of head and shared the machine\'s state then): the interval is a seeded bootstrap 95% interval of the ratio over the pairs, p a two-sided Wilcoxon signed-rank test of the pairs\' log ratios; rounds valid on one side only are left out;'
      : 'the interval is a seeded bootstrap 95% interval of that ratio; p is a two-sided Mann-Whitney U test over rounds;',
    `q is p adjusted for the ${comparison.rows.filter((r) => r.kind === 'absolute').length} rows compared at once (Benjamini-Hochberg), so that pure noise fails the whole gate in at most ${100 * comparison.alpha}% of runs, not ${100 * comparison.alpha}% per row.`,
    `A row is a **regression** only when q < ${comparison.alpha}, the interval excludes 1, and it is worse by more than ${comparison.thresholdPct}%`,
    '(slower, more bytes, more CPU, fewer msg/s); an **improvement** is the mirror image; anything else is within noise.',
    `Below ${minRounds} valid rounds per side no p-value can reach ${comparison.alpha}: those rows say "insufficient rounds" (run more --rounds).`,
    'Relative rows divide each transport by the scenario\'s first transport round by round; they compare across machines better than absolute figures and are reported without failing the gate.',
  ].join(' ')
}

function countText (rows: readonly CompareRow[]): string {
  if (rows.length === 0) return 'Nothing to compare'
  const counts = VERDICT_ORDER
    .map((v) => ({ v, n: rows.filter((r) => r.verdict === v).length }))
    .filter(({ n }) => n > 0)
    .map(({ v, n }) => {
      const text = `${n} ${v === 'regression' || v === 'improvement' ? `${v}${n === 1 ? '' : 's'}` : v}`
      return v === 'regression' ? `**${text}**` : text
    })
  return `${rows.length} comparisons: ${counts.join(', ')}`
}

/** Smallest equal round count per side (pairs, when paired) at which the rank test can reach alpha. */
function minimumRounds (alpha: number, isPaired: boolean): number {
  let n = 1
  while (n < 1000 && (isPaired ? smallestPairedPValue(n) : smallestPValue(n, n)) >= alpha) n++
  return n
}

function table (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)]
}

/** A figure with three significant digits, grouped thousands above 1000. */
export function formatNumber (n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '∞' : n < 0 ? '−∞' : 'n/a'
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US')
  if (n === 0) return '0'
  return String(Number(n.toPrecision(3)))
}

function value (n: number | null): string {
  return n === null ? '–' : formatNumber(n)
}

function ratio (n: number | null): string {
  return n === null ? '–' : `×${formatRatio(n)}`
}

function formatRatio (n: number): string {
  return Number.isFinite(n) && n < 100 ? n.toFixed(2) : formatNumber(n)
}

function change (row: CompareRow): string {
  if (row.changePct === null) return '–'
  if (!Number.isFinite(row.changePct)) return formatNumber(row.changePct)
  const sign = row.changePct > 0 ? '+' : row.changePct < 0 ? '−' : '±'
  return `${sign}${Math.abs(row.changePct).toFixed(1)}%`
}

function interval (row: CompareRow): string {
  return row.interval === null ? '–' : `${formatRatio(row.interval.lower)} – ${formatRatio(row.interval.upper)}`
}

function pValue (p: number | null): string {
  if (p === null) return '–'
  return p < 0.001 ? '< 0.001' : p.toFixed(3)
}

function verdict (v: Verdict): string {
  return v === 'regression' || v === 'improvement' ? `**${v}**` : v
}

function code (text: string): string {
  return '`' + text.replaceAll('`', "'") + '`'
}

function escape (cell: string): string {
  return cell.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function unique (values: readonly string[]): string[] {
  return [...new Set(values)]
}
