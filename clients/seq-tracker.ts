import type { StreamRange } from '../core/control.ts'
import type { GapNotice } from '../core/envelope.ts'

/** How one envelope relates to what a client already had. */
export type Arrival = 'new' | 'late' | 'duplicate'

/** The outcome of comparing what a client got with what its stream published. */
export interface Reconciliation {
  /** Seqs of the range the client should have received. */
  readonly expected: number
  /** Seqs of the range that never arrived, explained by a gap notice or not. */
  readonly lost: number
  /** The part of `lost` that no gap notice explains. */
  readonly unexplained: number
  /** The first unexplained missing seqs, ascending. */
  readonly missing: readonly number[]
}

/** How many missing seqs a reconciliation lists. */
export const MISSING_LISTED = 20
// Holes are rare (ws without resume, a dropped poll); past this many the oldest are written off as lost.
const MAX_HOLES = 256
const MAX_NOTICES = 256

type Range = [from: number, to: number]

/**
 * Per-client delivery accounting for one stream: O(1) per in-order message and a few numbers of memory,
 * so 15,000 clients fit in one process. Missing seqs are kept as a short list of holes that late
 * arrivals fill; a new epoch (server restart) counts a reset and restarts tracking.
 */
export class SeqTracker {
  /** Epoch of the envelopes tracked now (undefined before the first). */
  epoch: string | undefined
  /** Every envelope received, duplicates included. */
  received = 0
  duplicates = 0
  /** Envelopes that arrived after a higher seq (they fill a hole). */
  outOfOrder = 0
  /** Epoch changes seen. */
  resets = 0
  /** Envelopes received in epochs this tracker has since left (a server restart): counted, not reconcilable. */
  receivedBeforeReset = 0
  /** Seqs the server announced as gone (gap notices). */
  gapNotified = 0
  /** Seqs missing in earlier epochs or written off from an overlong hole list: lost for good. */
  lostUntracked = 0
  /** Lowest seq covered in this epoch (0: none). */
  lowSeq = 0
  /** Highest seq covered in this epoch, received or announced (0: none). */
  highestSeq = 0
  /** Envelopes received in the current epoch. */
  private receivedInEpoch = 0
  private holes: Range[] = []
  private notices: Range[] = []
  private untrackedSample: number[] = []

  /** Accounts one envelope; tells whether it is new, a late arrival filling a hole, or a duplicate. */
  accept (epoch: string, seq: number): Arrival {
    this.received++
    if (epoch !== this.epoch) this.restart(epoch)
    this.receivedInEpoch++
    if (seq === this.highestSeq + 1 && this.highestSeq > 0) {
      this.highestSeq = seq
      return 'new'
    }
    if (this.highestSeq === 0) {
      this.lowSeq = seq
      this.highestSeq = seq
      return 'new'
    }
    if (seq > this.highestSeq) {
      this.addHole(this.highestSeq + 1, seq - 1)
      this.highestSeq = seq
      return 'new'
    }
    if (seq < this.lowSeq) {
      if (seq < this.lowSeq - 1) this.holes.unshift([seq + 1, this.lowSeq - 1])
      this.lowSeq = seq
      this.outOfOrder++
      return 'late'
    }
    if (this.fillHole(seq)) {
      this.outOfOrder++
      return 'late'
    }
    this.duplicates++
    return 'duplicate'
  }

  /** Accounts a gap notice: its seqs are lost, with an explanation. */
  notice (gap: GapNotice): void {
    if (gap.epoch !== this.epoch) this.restart(gap.epoch)
    if (gap.toSeq < gap.fromSeq) return
    this.gapNotified += gap.toSeq - gap.fromSeq + 1
    if (this.notices.length < MAX_NOTICES) this.notices.push([gap.fromSeq, gap.toSeq])
    if (this.highestSeq === 0) {
      this.lowSeq = gap.fromSeq
      this.highestSeq = gap.toSeq
      return
    }
    if (gap.fromSeq > this.highestSeq + 1) this.addHole(this.highestSeq + 1, gap.fromSeq - 1)
    if (gap.fromSeq < this.lowSeq) {
      if (gap.toSeq < this.lowSeq - 1) this.holes.unshift([gap.toSeq + 1, this.lowSeq - 1])
      this.lowSeq = gap.fromSeq
    }
    this.highestSeq = Math.max(this.highestSeq, gap.toSeq)
    this.holes = subtract(this.holes, gap.fromSeq, gap.toSeq)
  }

  /** Missing seqs in this epoch that may still arrive. */
  holeCount (): number {
    let n = 0
    for (const [from, to] of this.holes) n += to - from + 1
    return n
  }

  /**
   * Compares what arrived with a published range of `epoch`, counted from `fromSeq` (the range's first
   * seq for a client connected before the run started).
   */
  reconcile (range: StreamRange, epoch: string, fromSeq = range.firstSeq): Reconciliation {
    const first = Math.max(fromSeq, range.firstSeq)
    const last = range.lastSeq
    const untracked = { count: this.lostUntracked, seqs: this.untrackedSample }
    if (last < first) return finish(0, 0, untracked, [])
    const expected = last - first + 1
    if (this.epoch !== epoch || this.highestSeq === 0) return finish(expected, 0, untracked, [[first, last]])
    const gaps: Range[] = []
    if (first < this.lowSeq) gaps.push([first, Math.min(last, this.lowSeq - 1)])
    for (const [from, to] of this.holes) if (to >= first && from <= last) gaps.push([Math.max(from, first), Math.min(to, last)])
    if (last > this.highestSeq) gaps.push([Math.max(first, this.highestSeq + 1), last])
    let explained = 0
    for (const [from, to] of this.notices) {
      const lo = Math.max(from, first)
      const hi = Math.min(to, last)
      if (hi >= lo) explained += hi - lo + 1
    }
    return finish(expected, explained, untracked, gaps)
  }

  private restart (epoch: string): void {
    if (this.epoch !== undefined) {
      this.resets++
      this.receivedBeforeReset += this.receivedInEpoch
      this.writeOff(this.holes)
    }
    this.receivedInEpoch = 0
    this.epoch = epoch
    this.lowSeq = 0
    this.highestSeq = 0
    this.holes = []
    this.notices = []
  }

  private addHole (from: number, to: number): void {
    this.holes.push([from, to])
    if (this.holes.length > MAX_HOLES) this.writeOff(this.holes.splice(0, this.holes.length - MAX_HOLES))
  }

  private writeOff (ranges: readonly Range[]): void {
    for (const [from, to] of ranges) {
      this.lostUntracked += to - from + 1
      for (let s = from; s <= to && this.untrackedSample.length < MISSING_LISTED; s++) this.untrackedSample.push(s)
    }
  }

  private fillHole (seq: number): boolean {
    // late arrivals are usually recent: search from the newest hole
    for (let i = this.holes.length - 1; i >= 0; i--) {
      const hole = this.holes[i] as Range
      if (seq < hole[0] || seq > hole[1]) continue
      if (hole[0] === hole[1]) this.holes.splice(i, 1)
      else if (seq === hole[0]) hole[0]++
      else if (seq === hole[1]) hole[1]--
      else this.holes.splice(i, 1, [hole[0], seq - 1], [seq + 1, hole[1]])
      return true
    }
    return false
  }
}

function subtract (holes: readonly Range[], from: number, to: number): Range[] {
  const out: Range[] = []
  for (const [a, b] of holes) {
    if (b < from || a > to) {
      out.push([a, b])
      continue
    }
    if (a < from) out.push([a, from - 1])
    if (b > to) out.push([to + 1, b])
  }
  return out
}

function finish (expected: number, explained: number, untracked: { count: number, seqs: readonly number[] }, gaps: readonly Range[]): Reconciliation {
  let missingCount = 0
  const missing: number[] = [...untracked.seqs]
  for (const [from, to] of gaps) {
    missingCount += to - from + 1
    for (let s = from; s <= to && missing.length < MISSING_LISTED; s++) missing.push(s)
  }
  // gap-notified seqs are not in `gaps` (the notice covered them), so they add to the loss here
  const unexplained = missingCount + untracked.count
  return { expected, lost: unexplained + explained, unexplained, missing: missing.slice(0, MISSING_LISTED) }
}
