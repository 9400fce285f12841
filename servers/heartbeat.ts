/**
 * One timer for all connections of a transport: every `intervalMs` it calls `beat` for each member,
 * instead of one timer per connection. Runs only while it has members; never keeps the process alive.
 */
export class Heartbeat<T> {
  private readonly members = new Set<T>()
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly intervalMs: number, private readonly beat: (member: T) => void) {}

  /** Adds a connection to the beat. */
  add (member: T): void {
    this.members.add(member)
    if (this.timer === undefined) {
      this.timer = setInterval(() => { for (const m of [...this.members]) this.beat(m) }, this.intervalMs)
      this.timer.unref()
    }
  }

  /** Removes a connection; the timer stops with the last one. */
  delete (member: T): void {
    this.members.delete(member)
    if (this.members.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }
}
