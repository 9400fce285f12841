/**
 * Micro-benchmark (`npm run bench:micro`): the per-message CPU cost of turning an envelope's JSON text
 * (serialised once by the hub) into the bytes each transport writes: a ws text frame, an SSE event,
 * a poll batch of 1 and of 10. It measures framing only, not sockets, syscalls or the network.
 */
import * as ws from 'ws'
import { Bench, type Task } from 'tinybench'
import type { Envelope } from '../core/envelope.ts'
import { createPayloadSource } from '../core/payload.ts'

interface FrameOptions { fin: boolean, opcode: number, mask: boolean, readOnly: boolean, rsv1: boolean }
// @types/ws does not declare Sender; ws exports it (RFC 6455 §5.2 framing, as the server sends it)
const { Sender } = ws as unknown as { Sender: { frame: (data: Buffer, options: FrameOptions) => Buffer[] } }
const TEXT_FRAME: FrameOptions = { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }

const PAYLOAD_BYTES = [128, 1024, 64 * 1024] as const // 128 B, 1 KiB, 64 KiB
const BATCH = 10 // messages in the larger poll batch
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 500) // measuring time per task, ms
const EPOCH = 'e-1732612345-4f2a'

/** What a format encodes from: the envelope (for serialising) and BATCH consecutive envelopes' JSON texts. */
interface Sample {
  readonly envelope: Envelope
  readonly jsons: readonly string[]
}

/** One wire format: encodes messagesPerOp messages into socket-ready bytes and returns their byte count. */
interface WireFormat {
  readonly name: string
  readonly messagesPerOp: number
  readonly encode: (sample: Sample, seq: number) => number
}

const FORMATS: readonly WireFormat[] = [
  // the baseline every transport shares: the hub serialises each envelope once (payloads are ASCII: length = bytes)
  { name: 'envelope JSON (shared)', messagesPerOp: 1, encode: (sample) => JSON.stringify(sample.envelope).length },
  {
    name: 'ws text frame',
    messagesPerOp: 1,
    encode: (sample) => Sender.frame(Buffer.from(sample.jsons[0] as string), TEXT_FRAME).reduce((n, b) => n + b.length, 0),
  },
  {
    name: 'SSE event',
    messagesPerOp: 1,
    // HTML Standard, server-sent events: `id:` line, `data:` line, blank line
    encode: (sample, seq) => Buffer.from(`id: ${seq}\ndata: ${sample.jsons[0] as string}\n\n`).length,
  },
  { name: 'poll batch of 1', messagesPerOp: 1, encode: (sample, seq) => pollBatch(sample.jsons.slice(0, 1), seq) },
  { name: `poll batch of ${BATCH}`, messagesPerOp: BATCH, encode: (sample, seq) => pollBatch(sample.jsons, seq + BATCH - 1) },
]

// same concatenation as the servers' poll answer: each envelope's JSON is reused, never re-serialised
function pollBatch (jsons: readonly string[], cursor: number): number {
  let body = `{"epoch":${JSON.stringify(EPOCH)},"cursor":${cursor},"messages":[`
  for (let i = 0; i < jsons.length; i++) body += (i === 0 ? '' : ',') + (jsons[i] as string)
  return Buffer.from(body + ']}').length
}

function envelopeOf (seq: number, payload: string): Envelope {
  return { stream: 'main', epoch: EPOCH, seq, tSchedUs: 1_732_612_345_000_000 + seq * 1000, tSendUs: 1_732_612_345_000_120 + seq * 1000, payload }
}

async function main (): Promise<void> {
  const payloadOf = createPayloadSource(1)
  const bench = new Bench({ name: 'wire encoding', time: TIME_MS, warmupTime: Math.min(100, TIME_MS) })
  const rows = new Map<Task['name'], { format: WireFormat, wireBytes: number, jsonBytes: number }>()
  let sink = 0
  for (const payloadBytes of PAYLOAD_BYTES) {
    const envelopes = Array.from({ length: BATCH }, (_, i) => envelopeOf(1000 + i, payloadOf(i, payloadBytes)))
    const sample: Sample = { envelope: envelopes[0] as Envelope, jsons: envelopes.map((e) => JSON.stringify(e)) }
    const jsonBytes = Buffer.byteLength(sample.jsons[0] as string)
    for (const format of FORMATS) {
      const name = `${format.name} @ ${sizeText(payloadBytes)}`
      let seq = 1000
      bench.add(name, () => { sink += format.encode(sample, seq++) })
      rows.set(name, { format, wireBytes: format.encode(sample, 1000) / format.messagesPerOp, jsonBytes })
    }
  }
  await bench.run()
  const table = bench.tasks.map((task) => {
    const row = rows.get(task.name)
    const result = task.result
    if (row === undefined || result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`)
    // tinybench latency is in ms; the median resists the GC pauses of a shared machine
    const nsPerMessage = result.latency.p50 * 1e6 / row.format.messagesPerOp
    return [task.name, String(Math.round(nsPerMessage)), Math.round(1e9 / nsPerMessage).toLocaleString('en-US'),
      `±${result.latency.rme.toFixed(1)}%`, String(Math.round(row.wireBytes)), String(Math.round(row.wireBytes - row.jsonBytes))]
  })
  process.stdout.write(`Node ${process.version}, ${TIME_MS} ms per task. ns/msg: median time per message (a batch of ${BATCH} divided by ${BATCH}); ` +
    'rme: relative margin of error of the mean; framing B/msg: bytes added to the envelope JSON.\n\n')
  process.stdout.write(textTable(['format @ payload', 'ns/msg', 'msgs/s', 'rme', 'wire B/msg', 'framing B/msg'], table))
  // the encoders' results are summed into sink so the JIT cannot drop them
  if (sink === 0) throw new Error('no bytes encoded')
}

function textTable (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  // first column left-aligned, figures right-aligned
  const line = (cells: readonly string[]) => cells.map((c, i) => i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n'
}

function sizeText (bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`
}

await main()
