import { Agent, fetch as undiciFetch } from 'undici'
import type { MeasuredWindow, RunStarted, RunStopped, ServerInfo, ServerStats } from '../core/control.ts'
import { errors } from '../core/errors.ts'
import { PATHS } from '../core/wire-protocol.ts'

const CONTROL_TIMEOUT_MS = 10_000

/** Talks to a server's control routes (the same for servers the runner started and for --target). */
export class ControlClient {
  // over https the control routes trust the run's certificate only, like the clients
  private readonly dispatcher: Agent | undefined

  constructor (readonly baseUrl: string, caPem?: string) {
    this.dispatcher = caPem === undefined ? undefined : new Agent({ connect: { ca: caPem } })
  }

  /** GET info: what the server serves; throws BENCH_ERR_TARGET_UNREACHABLE when nothing answers. */
  async info (): Promise<ServerInfo> {
    try {
      return await this.call<ServerInfo>('GET', PATHS.controlInfo)
    } catch (cause) {
      throw new errors.BENCH_ERR_TARGET_UNREACHABLE(this.baseUrl, rootMessage(cause), { cause })
    }
  }

  /** Starts publishing / accepting upstream for durationMs; with a window, the server reports its CPU over it at stop. */
  run (durationMs: number, window?: MeasuredWindow): Promise<RunStarted> {
    return this.call<RunStarted>('POST', PATHS.controlRun, window === undefined ? { durationMs } : { durationMs, window })
  }

  /** Stops the run; returns what each stream published. */
  stop (): Promise<RunStopped> {
    return this.call<RunStopped>('POST', PATHS.controlStop, {})
  }

  /** Server process figures since the run started; `settle` collects garbage first (servers the runner starts allow it). */
  stats (options: { settle?: boolean } = {}): Promise<ServerStats> {
    return this.call<ServerStats>('GET', PATHS.controlStats + (options.settle === true ? '?settle=1' : ''))
  }

  private async call<T> (method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) }
    if (body !== undefined) {
      init.body = JSON.stringify(body)
      init.headers = { 'content-type': 'application/json' }
    }
    let res: Response
    let text: string
    try {
      res = this.dispatcher === undefined
        ? await fetch(this.baseUrl + path, init)
        : await undiciFetch(this.baseUrl + path, { ...init, dispatcher: this.dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Response
      text = await res.text()
    } catch (cause) {
      throw new errors.BENCH_ERR_SERVER_LOST(this.baseUrl, `${method} ${path}`, rootMessage(cause), { cause })
    }
    if (!res.ok) throw new errors.BENCH_ERR_CHILD_FAILED(`server ${this.baseUrl}`, `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`)
    return JSON.parse(text) as T
  }
}

/** The innermost cause's message (fetch wraps ECONNREFUSED and friends in "fetch failed"). */
function rootMessage (err: unknown): string {
  let e = err as Error & { cause?: unknown }
  while (e.cause instanceof Error) e = e.cause as Error & { cause?: unknown }
  return e.message
}
