/**
 * npm run bench:floor — what a bare Node reader and a bare Node writer cost per delivery on this
 * machine, at a fan-out's shape: the writer process writes one buffer to each of N sockets in one loop
 * every period (a fan-out of one message), the reader process reads them with `onread` into one buffer
 * and only counts. No framing, no parsing, no recording: the floor under the suite's server and load
 * generator. Each on its own core (taskset) when there are two; CPU from /proc over a window after a
 * warm-up; repetitions alternate nothing (the two processes are measured together). Loopback only.
 * --monitor runs the suite's event-loop delay monitor (a 10 ms timer) in both, as the suite does.
 *   npm run bench:floor -- [--clients 200] [--period-ms 100] [--bytes 250] [--window-s 6] [--reps 3] [--monitor]
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, connect, type Socket } from 'node:net'
import { availableParallelism } from 'node:os'
import { ProcessMonitor } from '../core/process-stats.ts'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '200' },
    'period-ms': { type: 'string', default: '100' },
    bytes: { type: 'string', default: '250' },
    'window-s': { type: 'string', default: '6' },
    reps: { type: 'string', default: '3' },
    // both processes run the event-loop delay monitor the suite's server and generator run (core/process-stats.ts)
    monitor: { type: 'boolean', default: false },
  },
})

/** A whole number option in [min, max], or one clear error naming it. */
function intOption (name: Exclude<keyof typeof values, 'monitor'>, min: number, max: number): number {
  const raw = values[name]
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`bench:floor: --${name} ${JSON.stringify(raw)} is not allowed: a whole number from ${min} to ${max}\n`)
    process.exit(2)
  }
  return n
}

const clients = intOption('clients', 1, 20_000)
const periodMs = intOption('period-ms', 1, 10_000)
const bytes = intOption('bytes', 1, 65_536)
const windowS = intOption('window-s', 1, 120)
const reps = intOption('reps', 1, 20)
const WARMUP_MS = 2_000
const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** CPU (user + system) and voluntary context switches of a process so far. */
function usage (pid: number): { cpuUs: number, wakes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  const wakes = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN)
  return { cpuUs: ticks * 1e6 / CLOCK_TICKS_PER_SEC, wakes }
}

function writer (): void {
  if (values.monitor) new ProcessMonitor().reset()
  const sockets: Socket[] = []
  const frame = Buffer.alloc(bytes, 0x78)
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    sockets.push(socket)
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 })
  })
  // one fan-out per period: the same bytes to every socket, in one loop
  setInterval(() => { for (const socket of sockets) socket.write(frame) }, periodMs)
  process.on('disconnect', () => process.exit(0))
}

function reader (port: number): void {
  if (values.monitor) new ProcessMonitor().reset()
  let reads = 0
  const buffer = Buffer.allocUnsafe(64 * 1024)
  for (let i = 0; i < clients; i++) {
    connect({ host: '127.0.0.1', port, onread: { buffer, callback: () => { reads++; return true } } })
  }
  process.on('message', () => process.send?.({ reads }))
  process.on('disconnect', () => process.exit(0))
}

function once<T> (child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T))
    child.once('exit', (code) => reject(new Error(`a floor process exited (${code}) before answering`)))
  })
}

/** One repetition: fresh writer and reader, warm-up, then the window. */
async function repetition (): Promise<{ writerUs: number, readerUs: number, writerWakes: number, readerWakes: number, perSec: number }> {
  const self = process.argv[1] as string
  const canPin = availableParallelism() >= 2
  const w = fork(self, ['writer', ...process.argv.slice(2)])
  const children = [w]
  try {
    const { port } = await once<{ port: number }>(w)
    const r = fork(self, ['reader', String(port), ...process.argv.slice(2)])
    children.push(r)
    if (canPin) {
      execFileSync('taskset', ['-pc', '0', String(w.pid)], { stdio: 'ignore' })
      execFileSync('taskset', ['-pc', '1', String(r.pid)], { stdio: 'ignore' })
    }
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
    const count = async (): Promise<number> => {
      const answer = once<{ reads: number }>(r)
      r.send('count')
      return (await answer).reads
    }
    const n0 = await count()
    const w0 = usage(w.pid as number)
    const r0 = usage(r.pid as number)
    await new Promise((resolve) => setTimeout(resolve, windowS * 1000))
    const n1 = await count()
    const w1 = usage(w.pid as number)
    const r1 = usage(r.pid as number)
    const delivered = n1 - n0
    return {
      writerUs: (w1.cpuUs - w0.cpuUs) / delivered,
      readerUs: (r1.cpuUs - r0.cpuUs) / delivered,
      writerWakes: (w1.wakes - w0.wakes) / windowS,
      readerWakes: (r1.wakes - r0.wakes) / windowS,
      perSec: delivered / windowS,
    }
  } finally {
    for (const child of children) child.kill()
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}

async function main (): Promise<void> {
  process.stdout.write(`bare Node writer and reader, ${clients} sockets × one ${bytes} B write every ${periodMs} ms (one fan-out), ` +
    `${windowS} s window after ${WARMUP_MS / 1000} s, ${reps} repetitions${values.monitor ? ', event-loop delay monitor on in both' : ''}${availableParallelism() >= 2 ? ', writer on core 0, reader on core 1' : ', not pinned (one core)'}\n`)
  const rows = []
  for (let rep = 1; rep <= reps; rep++) {
    const row = await repetition()
    rows.push(row)
    process.stdout.write(`  rep ${rep}: ${Math.round(row.perSec).toLocaleString('en-US')} deliveries/s; CPU per delivery writer ${row.writerUs.toFixed(1)} µs, ` +
      `reader ${row.readerUs.toFixed(1)} µs (reader/writer ${(row.readerUs / row.writerUs).toFixed(2)}); wake-ups/s writer ${Math.round(row.writerWakes)}, reader ${Math.round(row.readerWakes)}\n`)
  }
  const writerUs = median(rows.map((r) => r.writerUs))
  const readerUs = median(rows.map((r) => r.readerUs))
  process.stdout.write(`median: writer ${writerUs.toFixed(1)} µs, reader ${readerUs.toFixed(1)} µs per delivery, reader/writer ${(readerUs / writerUs).toFixed(2)} ` +
    `(CPU from /proc, ${1000 / CLOCK_TICKS_PER_SEC} ms ticks)\n`)
}

const [role, portArg] = positionals
if (role === 'writer') writer()
else if (role === 'reader') reader(Number(portArg))
else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:floor: ${(err as Error).message}\n`)
    process.exitCode = 1
  })
}
