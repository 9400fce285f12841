import WebSocket from 'ws'
import { EXIT, parseCommandLine, runCommand } from '../core/command.ts'
import { REMOTE_PROTOCOL_VERSION, type LoadgenToRunner, type RemoteWelcome, type RunnerToLoadgen } from '../core/control.ts'
import { sleep } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import { createLoadgenHandler } from './loadgen-handler.ts'
import { LoadSession } from './session.ts'

// `npm run loadgen`: one load generator on its own host, driven by a coordinator (npm run bench --
// --loadgens N --listen HOST:PORT) over a WebSocket. After the hello, the channel carries the same
// messages a forked generator gets over IPC (core/control.ts), handled by the same code.

const USAGE = 'npm run loadgen -- --coordinator ws://HOST:PORT --index I [--target http://HOST:PORT] [--wait 60s]  (FEEDBENCH_TOKEN: the coordinator\'s token)'
const RETRY_MS = 500
const WELCOME_TIMEOUT_MS = 10_000

async function main (): Promise<number> {
  const { values } = parseCommandLine({
    args: process.argv.slice(2),
    options: {
      coordinator: { type: 'string' },
      index: { type: 'string' },
      target: { type: 'string' },
      wait: { type: 'string', default: '60s' },
    },
  }, USAGE)
  const coordinator = parseUrl('--coordinator', values.coordinator, ['ws:', 'wss:'], 'a ws:// URL such as ws://10.0.0.5:9000')
  const index = Number(values.index)
  if (values.index === undefined || !Number.isInteger(index) || index < 0) {
    throw new errors.BENCH_ERR_OPTION_INVALID('--index', JSON.stringify(values.index ?? null), 'an integer >= 0 (a Kubernetes Indexed Job passes JOB_COMPLETION_INDEX)')
  }
  const serverUrl = values.target === undefined ? undefined : parseUrl('--target', values.target, ['http:'], 'an http:// URL, the server as this host reaches it').origin
  const waitMs = parseSeconds('--wait', values.wait)

  const socket = await connect(coordinator.href, waitMs)
  socket.send(JSON.stringify({ type: 'hello', version: REMOTE_PROTOCOL_VERSION, token: process.env.FEEDBENCH_TOKEN ?? '', index }))
  const welcome = await firstMessage(socket)
  if (welcome.type === 'refused') throw new errors.BENCH_ERR_LOADGEN_REFUSED(String(index), welcome.reason)
  process.stderr.write(`load generator ${index}: connected to ${coordinator.href} (${welcome.loadgens} generators in the run)\n`)

  return await new Promise<number>((resolve) => {
    const handler = createLoadgenHandler({
      send: (message: LoadgenToRunner) => new Promise((resolve) => {
        if (socket.readyState !== WebSocket.OPEN) return resolve()
        socket.send(JSON.stringify(message), () => resolve())
      }),
      isRemote: true,
      ...(serverUrl === undefined ? {} : { serverUrl }),
      exit: (code) => {
        socket.close()
        resolve(code)
        process.exitCode = code
        // open sockets and pools must not keep a finished load generator alive
        setImmediate(() => process.exit())
      },
    }, (job, clock) => new LoadSession(job, undefined, clock))
    socket.on('message', (data) => { handler.receive(JSON.parse(data.toString()) as RunnerToLoadgen) })
    // the coordinator closes normally when the run is over; anything else means it is gone mid-run
    socket.on('close', (code) => { handler.exit(code === 1000 ? EXIT.ok : EXIT.error).catch(() => {}) })
    process.on('uncaughtException', (err) => { handler.fail(err).catch(() => {}) })
    process.on('unhandledRejection', (err) => { handler.fail(err).catch(() => {}) })
  })
}

/** Connects to the coordinator, retrying while it is not listening yet (pods start in any order), for at most waitMs. */
async function connect (url: string, waitMs: number): Promise<WebSocket> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      return await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: WELCOME_TIMEOUT_MS })
        socket.once('open', () => resolve(socket))
        socket.once('error', reject)
      })
    } catch (err) {
      if (Date.now() + RETRY_MS > deadline) {
        throw new errors.BENCH_ERR_TIMEOUT(`connecting to the coordinator ${url} (last error: ${(err as Error).message})`, waitMs)
      }
      await sleep(RETRY_MS)
    }
  }
}

function firstMessage (socket: WebSocket): Promise<RemoteWelcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new errors.BENCH_ERR_TIMEOUT('the coordinator\'s answer to hello', WELCOME_TIMEOUT_MS)) }, WELCOME_TIMEOUT_MS)
    socket.once('message', (data) => { clearTimeout(timer); resolve(JSON.parse(data.toString()) as RemoteWelcome) })
    socket.once('close', (code) => { clearTimeout(timer); reject(new errors.BENCH_ERR_PROTOCOL('coordinator', `closed (code ${code}) before answering hello`)) })
  })
}

function parseUrl (option: string, text: string | undefined, protocols: readonly string[], allowed: string): URL {
  let url: URL | undefined
  try {
    url = text === undefined ? undefined : new URL(text)
  } catch {}
  if (url === undefined || !protocols.includes(url.protocol)) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text ?? null), allowed)
  return url
}

function parseSeconds (option: string, text: string): number {
  const m = /^(\d+)(s|ms)?$/.exec(text.trim())
  if (m === null) throw new errors.BENCH_ERR_OPTION_INVALID(option, JSON.stringify(text), 'a duration such as 60s or 500ms')
  return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000)
}

runCommand(main)
