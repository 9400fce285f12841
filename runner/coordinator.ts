import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { REMOTE_PROTOCOL_VERSION, type LoadgenToRunner, type RemoteHello, type RemoteWelcome } from '../core/control.ts'
import { sleep } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import type { Child } from './children.ts'

/** How long a new connection has to say hello before it is closed, ms. */
const HELLO_TIMEOUT_MS = 10_000
/** WebSocket close code for a refused hello (RFC 6455 §7.4.1: policy violation). */
const CLOSE_REFUSED = 1008

/** Where a round's load generators come from when they run on other hosts. */
export interface RemoteLoadgens {
  /** The generators with indices 0 .. count − 1; one not connected now answers as lost. */
  children (count: number): Array<Child<LoadgenToRunner>>
}

/** `npm run bench -- --loadgens N --listen HOST:PORT`: what the coordinator is told. */
export interface CoordinatorConfig {
  readonly host: string
  readonly port: number
  readonly loadgens: number
  /** The shared secret every generator's hello must carry (FEEDBENCH_TOKEN). */
  readonly token: string
}

/** A running coordinator: accepts remote load generators and hands them to the rounds. */
export interface Coordinator extends RemoteLoadgens {
  /** ws://HOST:PORT the generators connect to (--coordinator). */
  readonly url: string
  /** Resolves once all N generators are connected; throws naming the missing indices after timeoutMs. */
  waitForAll (timeoutMs: number): Promise<void>
  /** Closes every generator's channel (normal closure: they exit 0) and stops listening. */
  close (): Promise<void>
}

/** Starts the coordinator's WebSocket server; throws BENCH_ERR_PORT_IN_USE when it cannot listen. */
export async function startCoordinator (config: CoordinatorConfig): Promise<Coordinator> {
  const connected = new Map<number, RemoteChild>()
  const wss = new WebSocketServer({ host: config.host, port: config.port })
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', (cause) => {
      reject((cause as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new errors.BENCH_ERR_PORT_IN_USE(String(config.port), config.host, { cause }) : cause)
    })
  })
  wss.on('connection', (socket, request) => {
    const peer = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`
    const timer = setTimeout(() => { socket.terminate() }, HELLO_TIMEOUT_MS)
    socket.once('close', () => { clearTimeout(timer) })
    socket.once('message', (data) => {
      clearTimeout(timer)
      const hello = parseHello(data.toString())
      const reason = refusal(hello, config, connected)
      if (reason !== null || hello === null) {
        send(socket, { type: 'refused', reason: reason ?? 'the first message must be a hello' })
        socket.close(CLOSE_REFUSED, 'refused')
        return
      }
      const child = new RemoteChild(hello.index, peer, socket)
      connected.set(hello.index, child)
      socket.on('close', () => { if (connected.get(hello.index) === child) connected.delete(hello.index) })
      send(socket, { type: 'welcome', version: REMOTE_PROTOCOL_VERSION, loadgens: config.loadgens })
    })
  })
  const { port } = wss.address() as AddressInfo
  return {
    url: `ws://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async waitForAll (timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (connected.size < config.loadgens) {
        if (Date.now() >= deadline) {
          const missing = Array.from({ length: config.loadgens }, (_, i) => i).filter((i) => !connected.has(i))
          throw new errors.BENCH_ERR_TIMEOUT(`waiting for ${config.loadgens} load generators (missing indices: ${missing.join(', ')})`, timeoutMs)
        }
        await sleep(50)
      }
    },
    children (count) {
      return Array.from({ length: count }, (_, i) => connected.get(i) ?? RemoteChild.absent(i))
    },
    async close () {
      for (const child of connected.values()) child.hangUp()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}

/** Why a hello is refused (null: accepted), naming what is wrong. Checked in this order: version, token, index. */
export function refusal (hello: RemoteHello | null, config: CoordinatorConfig, connected: ReadonlyMap<number, { readonly peer: string }>): string | null {
  if (hello === null) return 'the first message must be a JSON hello { type, version, token, index }'
  if (hello.version !== REMOTE_PROTOCOL_VERSION) {
    return `protocol version mismatch: the generator speaks version ${String(hello.version)}, this coordinator version ${REMOTE_PROTOCOL_VERSION}`
  }
  if (typeof hello.token !== 'string' || hello.token === '') return 'missing token: set FEEDBENCH_TOKEN to the coordinator\'s'
  if (!isSameSecret(hello.token, config.token)) return 'wrong token: FEEDBENCH_TOKEN differs from the coordinator\'s'
  if (!Number.isInteger(hello.index) || hello.index < 0 || hello.index >= config.loadgens) {
    return `index ${String(hello.index)} out of range: this coordinator runs ${config.loadgens} load generators, indices 0 to ${config.loadgens - 1}`
  }
  const holder = connected.get(hello.index)
  if (holder !== undefined) return `duplicate index ${hello.index}: a generator from ${holder.peer} holds it`
  return null
}

function isSameSecret (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function parseHello (text: string): RemoteHello | null {
  try {
    const m = JSON.parse(text) as Partial<RemoteHello> | null
    return m !== null && typeof m === 'object' && m.type === 'hello' ? m as RemoteHello : null
  } catch {
    return null
  }
}

function send (socket: WebSocket, message: RemoteWelcome | object): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
}

/**
 * One remote load generator, seen by a round exactly like a forked one (runner/children.ts): the same
 * messages, as JSON over its WebSocket. It lives for the whole run: 'close' ends its round, and stop()
 * ends nothing (it is not our process). A lost connection fails every wait with BENCH_ERR_LOADGEN_LOST.
 */
class RemoteChild implements Child<LoadgenToRunner> {
  readonly label: string
  readonly peer: string
  private readonly index: number
  private readonly socket: WebSocket | null
  private readonly queue: LoadgenToRunner[] = []
  private wake: (() => void) | undefined
  private lostHow: string | undefined

  constructor (index: number, peer: string, socket: WebSocket | null) {
    this.index = index
    this.peer = peer
    this.label = `load generator ${index} (${peer})`
    this.socket = socket
    if (socket === null) {
      this.lostHow = 'before the round (not connected)'
      return
    }
    socket.on('message', (data) => {
      try {
        this.queue.push(JSON.parse(data.toString()) as LoadgenToRunner)
      } catch {
        this.queue.push({ type: 'error', code: 'BENCH_ERR_PROTOCOL', message: 'a message that is not JSON' })
      }
      this.wake?.()
    })
    socket.on('close', (code, reason) => {
      this.lostHow = `mid-round (connection closed, code ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`
      this.wake?.()
    })
    socket.on('error', () => {})
  }

  /** A stand-in for an index no generator holds at the moment. */
  static absent (index: number): RemoteChild {
    return new RemoteChild(index, 'not connected', null)
  }

  async next<T extends LoadgenToRunner> (accept: (m: LoadgenToRunner) => m is T, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.queue.findIndex((m) => accept(m) || m.type === 'error')
      if (i >= 0) {
        const [m] = this.queue.splice(i, 1) as [LoadgenToRunner]
        if (accept(m)) return m
        const e = m as Extract<LoadgenToRunner, { type: 'error' }>
        throw new errors.BENCH_ERR_CHILD_FAILED(this.label, `${e.code}: ${e.message}`)
      }
      if (this.lostHow !== undefined) throw new errors.BENCH_ERR_LOADGEN_LOST(String(this.index), `${this.lostHow} while the runner waited for ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new errors.BENCH_ERR_TIMEOUT(`${this.label} (${what})`, timeoutMs)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left)
        this.wake = done
        function done (): void { clearTimeout(timer); resolve() }
      })
      this.wake = undefined
    }
  }

  send (message: unknown): void {
    if (this.socket !== null && this.lostHow === undefined) send(this.socket, message as object)
  }

  async stop (): Promise<number | null> {
    return this.lostHow === undefined ? 0 : null
  }

  stderrTail (): string {
    return ''
  }

  /** The run is over: a normal closure, after which the generator exits 0. */
  hangUp (): void {
    this.lostHow = 'after the run'
    this.socket?.close(1000, 'run finished')
  }
}
