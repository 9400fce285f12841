import type { LoadgenJob, RunStopped } from '../core/control.ts'
import type { ClientConnection } from '../core/adapters.ts'
import { clientIdOf, streamOf } from '../core/streams.ts'
import { SeqTracker } from './seq-tracker.ts'
import { WireByteCounter } from './wire-bytes.ts'

/** One simulated client: its stream, accounting and current connection. */
export interface ClientSlot {
  readonly id: string
  readonly stream: string
  readonly tracker: SeqTracker
  readonly bytes: WireByteCounter
  conn: ClientConnection | undefined
  /** Bumped on every connection attempt, so a stale connection's close is ignored. */
  generation: number
  firstConnectStartUs: number
  /** When the first envelope arrived (0: none yet). */
  firstRecvUs: number
  /** Connected before the run started: it must receive every seq its stream publishes. */
  isConnectedBeforeStart: boolean
  /** When its first connection became usable (0: not yet), µs. */
  connectedAtUs: number
  /** One of faults.slowClients: stops reading when the warm-up ends. */
  readonly isSlow: boolean
  /** Stopped reading when the warm-up ended (a slow client); it reads again only to drain at the end of the run. */
  isFrozen: boolean
  /** Its connection ended after it froze: the server cut it as a slow consumer. */
  wasCut: boolean
  /** When the client asked for its latest resumed connection (server clock, µs; 0: never): a first delivery published before then was replayed from the ring. */
  resumeStartUs: number
}

/** The clients of one load-generator job, in run order; the first faults.slowClients of the run are slow. */
export function createSlots (job: LoadgenJob): ClientSlot[] {
  return Array.from({ length: job.clientCount }, (_, i): ClientSlot => {
    const id = clientIdOf(job.firstClient + i)
    return {
      id,
      stream: streamOf(job.scenario.pattern, id),
      tracker: new SeqTracker(),
      bytes: new WireByteCounter(),
      conn: undefined,
      generation: 0,
      firstConnectStartUs: 0,
      firstRecvUs: 0,
      isConnectedBeforeStart: false,
      connectedAtUs: 0,
      isSlow: job.firstClient + i < job.scenario.faults.slowClients,
      isFrozen: false,
      wasCut: false,
      resumeStartUs: 0,
    }
  })
}

/** True when every client holds the last seq its stream published, or is a frozen client the server cut. */
export function hasSeenAll (slots: readonly ClientSlot[], stopped: RunStopped): boolean {
  for (const slot of slots) {
    if (slot.isFrozen && slot.conn === undefined) continue
    const range = stopped.streams[slot.stream]
    if (range === undefined || range.lastSeq < range.firstSeq) continue
    if (slot.tracker.epoch !== stopped.epoch || slot.tracker.highestSeq < range.lastSeq) return false
  }
  return true
}
