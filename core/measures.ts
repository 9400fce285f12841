import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox'

// Every measure a process reports is defined here once, as the TypeBox schema the result file is
// validated against; its TypeScript type and its sum follow from the schema. Adding a counter is one
// edit: its line in DeliveryCountersSchema (optional when older result files lack it).

const Int = (description?: string) => Type.Integer(description === undefined ? {} : { description })
const Num = (description?: string) => Type.Number(description === undefined ? {} : { description })

/** A measure as processes pass it around: every property and every array read-only. */
type Frozen<T> = { readonly [K in keyof T]: T[K] extends Array<infer E> ? readonly E[] : T[K] }

/** Schema of the correctness counters summed over a process's clients (and over a round's processes). */
export const DeliveryCountersSchema = Type.Object({
  received: Int(),
  expected: Int(),
  lost: Int(),
  duplicates: Int(),
  outOfOrder: Int(),
  reconnects: Int(),
  resets: Int(),
  errors: Int(),
  gapNotified: Int('messages the server announced as gone (resume point older than its ring)'),
  upstreamSent: Int(),
  upstreamFailed: Int(),
  slowConsumerCuts: Type.Optional(Int('clients that stopped reading (faults.slowClients) and were then cut off by the server')),
  lostToCuts: Type.Optional(Int('part of lost that clients cut as slow consumers missed after they stopped reading (explained)')),
  replayed: Type.Optional(Int('deliveries after a reconnect of messages published before the drop was noticed (from the ring)')),
  receivedBeforeReset: Type.Optional(Int('envelopes received in an epoch the client later left (a server restart): not reconcilable, the old server is gone')),
}, { additionalProperties: false })

/** Correctness counters summed over a process's clients. */
export type DeliveryCounters = Frozen<Static<typeof DeliveryCountersSchema>>

/** Schema of the wire bytes counted at the client sockets; read = server → client, written = client → server. */
export const WireBytesSchema = Type.Object({
  setupRead: Int('bytes read up to the end of connection setup (handshake, first response)'),
  setupWritten: Int('bytes written up to the end of connection setup'),
  steadyRead: Int('bytes read after setup, reconnects included'),
  steadyWritten: Int('bytes written after setup, reconnects included'),
}, { additionalProperties: false })

/** Wire bytes counted at the client sockets; read = server → client, written = client → server. */
export type WireBytes = Frozen<Static<typeof WireBytesSchema>>

/** Schema of the CPU, memory and event-loop figures of one process over a run. */
export const ProcessStatsSchema = Type.Object({
  cpuUserUs: Num(),
  cpuSystemUs: Num(),
  rssBytes: Int(),
  heapUsedBytes: Int(),
  elapsedUs: Num(),
  eventLoopDelayP50Us: Num(),
  eventLoopDelayP99Us: Num(),
  eventLoopDelayMaxUs: Num(),
}, { additionalProperties: false })

/** CPU, memory and event-loop figures of one process over a run (never summed: each process is listed). */
export type ProcessStats = Frozen<Static<typeof ProcessStatsSchema>>

/** Schema of the seqs a stream's clients missed, for the error message of an unreconciled run. */
export const MissingSeqsSchema = Type.Object({
  client: Type.String(),
  stream: Type.String(),
  count: Int(),
  seqs: Type.Array(Int(), { description: 'the first few missing seqs' }),
}, { additionalProperties: false })

/** Seqs a stream's clients missed, for the error message of an unreconciled run. */
export type MissingSeqs = Frozen<Static<typeof MissingSeqsSchema>>

/** Most MissingSeqs entries a merged list keeps (the error message names the first few). */
export const MISSING_ENTRIES_LISTED = 20

/** Adds counters together; every counter of the schema is present in the sum (an absent optional one counts 0). */
export function sumCounters (all: Iterable<DeliveryCounters>): Required<DeliveryCounters> {
  return sumByKey(DeliveryCountersSchema, all)
}

/** Adds wire-byte figures together. */
export function sumWireBytes (all: Iterable<WireBytes>): WireBytes {
  return sumByKey(WireBytesSchema, all)
}

/** Concatenates missing-seqs lists in order, keeping the first MISSING_ENTRIES_LISTED entries. */
export function mergeMissingSeqs (lists: Iterable<readonly MissingSeqs[]>): MissingSeqs[] {
  const merged: MissingSeqs[] = []
  for (const list of lists) {
    for (const entry of list) {
      if (merged.length === MISSING_ENTRIES_LISTED) return merged
      merged.push(entry)
    }
  }
  return merged
}

/** Sums every numeric property of `schema` over `all`, in the schema's key order; an absent value counts 0. */
function sumByKey<S extends TObject<Record<string, TSchema>>> (schema: S, all: Iterable<Partial<Record<keyof Static<S>, number>>>): Required<Frozen<Static<S>>> {
  const keys = Object.keys(schema.properties) as Array<keyof Static<S>>
  const total = Object.fromEntries(keys.map((k) => [k, 0])) as Record<keyof Static<S>, number>
  for (const item of all) {
    for (const k of keys) total[k] += item[k] ?? 0
  }
  return total as Required<Frozen<Static<S>>>
}

/** A window reading that covers less than this share of the window it stands for is not used. */
export const MIN_WINDOW_COVERAGE = 0.5

/**
 * CPU over a measured window of windowUs from two marks that timers took at its start and end,
 * elapsedUs apart: scaled from the span the marks really cover to the window's length (a start mark
 * that ran late shortens the span, not the window), or undefined when they cover less than half of it:
 * an event loop stalled past the window's start runs both timers late and close together, and CPU over
 * those few ms says nothing of the window. The caller then falls back to the whole run's CPU.
 */
export function windowCpuFromMarks (cpuUs: number, elapsedUs: number, windowUs: number): number | undefined {
  if (!(windowUs > 0 && elapsedUs >= MIN_WINDOW_COVERAGE * windowUs)) return undefined
  return cpuUs * windowUs / elapsedUs
}
