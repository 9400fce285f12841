/**
 * A pause switch for a reading loop (faults.slowClients): the loop awaits `passage()` before each read.
 * While paused the loop reads nothing, so the transport's own flow control (a full body buffer, then a
 * full TCP window) pushes back on the server, as a frozen consumer does.
 */
export class ReadGate {
  private closed: Promise<void> | undefined
  private open: (() => void) | undefined

  /** Stops the loop at its next passage. */
  pause (): void {
    this.closed ??= new Promise((resolve) => { this.open = resolve })
  }

  /** Lets the loop read again (also before closing, so a paused loop can finish). */
  resume (): void {
    this.open?.()
    this.closed = undefined
    this.open = undefined
  }

  /** True while paused. */
  get isPaused (): boolean {
    return this.closed !== undefined
  }

  /** Resolves at once unless paused; then when resumed. */
  async passage (): Promise<void> {
    if (this.closed !== undefined) await this.closed
  }
}
