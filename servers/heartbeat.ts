/** Slices of the heartbeat interval: each beats 1/SLICES of the connections, so no tick beats them all at once. */
export const HEARTBEAT_SLICES = 16

/**
 * One timer for all connections of a transport: every `intervalMs` it calls `beat` once for each
 * member, instead of one timer per connection. The interval is cut into HEARTBEAT_SLICES ticks and each
 * member belongs to one slice: beating 10,000 ws connections in one tick blocked the event loop (and the
 * publisher on it) for over 100 ms; a slice beats a sixteenth of them. A member joins the slice that
 * fired last, so its first beat comes one interval after it joined (less at most one slice). Runs only
 * while it has members; never keeps the process alive.
 */
export class Heartbeat<T> {
  private readonly slices: Array<Set<T>> = Array.from({ length: HEARTBEAT_SLICES }, () => new Set<T>())
  private readonly sliceOf = new Map<T, Set<T>>()
  /** The slice the next tick beats. */
  private next = 0
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly intervalMs: number, private readonly beat: (member: T) => void) {}

  /** Adds a connection to the beat. */
  add (member: T): void {
    if (this.sliceOf.has(member)) return
    const slice = this.slices[(this.next + HEARTBEAT_SLICES - 1) % HEARTBEAT_SLICES] as Set<T>
    slice.add(member)
    this.sliceOf.set(member, slice)
    if (this.timer === undefined) {
      this.timer = setInterval(() => { this.tick() }, this.intervalMs / HEARTBEAT_SLICES)
      this.timer.unref()
    }
  }

  /** Removes a connection; the timer stops with the last one. */
  delete (member: T): void {
    const slice = this.sliceOf.get(member)
    if (slice === undefined) return
    slice.delete(member)
    this.sliceOf.delete(member)
    if (this.sliceOf.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }

  private tick (): void {
    const slice = this.slices[this.next] as Set<T>
    this.next = (this.next + 1) % HEARTBEAT_SLICES
    for (const m of [...slice]) this.beat(m)
  }
}
