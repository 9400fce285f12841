import type { HubMessage } from '../core/adapters.ts'

/** What a ring holds after a cursor: the messages still kept, and the seq range it already evicted. */
export interface RingSlice {
  readonly messages: readonly HubMessage[]
  /** Inclusive seq range after the cursor that is gone from the ring, when there is one. */
  readonly evicted?: { readonly fromSeq: number, readonly toSeq: number }
}

/** A fixed-size ring of one stream's most recent messages, indexed by seq, for resume and polling. */
export class MessageRing {
  private readonly slots: Array<HubMessage | undefined>
  private last = 0

  constructor (private readonly capacity: number) {
    // grows as messages arrive: many per-client streams must not each preallocate ringSize slots
    this.slots = []
  }

  /** The seq of the newest message (0 before the first). */
  get lastSeq (): number {
    return this.last
  }

  /** The oldest seq still held (lastSeq + 1 when empty). */
  get firstSeq (): number {
    return Math.max(1, this.last - this.capacity + 1)
  }

  /** Appends the next message; its seq must be lastSeq + 1. */
  push (message: HubMessage): void {
    this.slots[message.env.seq % this.capacity] = message
    this.last = message.env.seq
  }

  /** Up to `maxMessages` messages after `cursor`, in seq order, and the evicted range if the cursor is older than the ring. */
  after (cursor: number, maxMessages: number): RingSlice {
    if (cursor >= this.last) return { messages: [] }
    let start = cursor + 1
    const first = this.firstSeq
    const evicted = start < first ? { fromSeq: start, toSeq: first - 1 } : undefined
    if (start < first) start = first
    const end = Math.min(this.last, start + maxMessages - 1)
    const messages: HubMessage[] = []
    for (let seq = start; seq <= end; seq++) messages.push(this.slots[seq % this.capacity] as HubMessage)
    return evicted === undefined ? { messages } : { messages, evicted }
  }
}
