import { nowUs } from '../core/clock.ts'
import { LatencyRecorder } from '../core/histogram.ts'

// Past this many sends in one timer callback, yield so incoming messages are not held up.
const MAX_SENDS_PER_TICK = 2_000

/** The open-loop upstream plan of one load-generator process. */
export interface UpstreamPlan {
  /** Run start, µs on the monotonic clock. */
  readonly t0Us: number
  /** No message is scheduled at or after this time (end of the measured window). */
  readonly endUs: number
  /** Messages per second of each client. */
  readonly ratePerSec: number
  /** Run-wide index of this process's first client and the run's client count: they stagger the clients. */
  readonly firstIndex: number
  readonly totalClients: number
  /** Clients of this process. */
  readonly localClients: number
  /** Sends message `seq` (1-based) of local client `local`, scheduled at tSchedUs. */
  send (local: number, seq: number, tSchedUs: number): void
}

/** A running upstream schedule. */
export interface UpstreamSchedule {
  /** How late each send was against its schedule, µs. */
  readonly lag: LatencyRecorder
  stop (): void
}

/**
 * Starts one timer loop for all clients of the process: message k (0-based) of run-wide client i is
 * due at t0 + (i / totalClients + k) / ratePerSec, so clients are spread over each period, and the
 * due times of this process's clients form one ascending sequence walked with a single cursor.
 */
export function startUpstream (plan: UpstreamPlan): UpstreamSchedule {
  const lag = new LatencyRecorder()
  const periodUs = 1e6 / plan.ratePerSec
  let k = 0
  let local = 0
  let timer: NodeJS.Timeout | undefined
  let isStopped = plan.localClients === 0

  const dueUs = (): number => Math.round(plan.t0Us + ((plan.firstIndex + local) / plan.totalClients + k) * periodUs)

  function tick (): void {
    timer = undefined
    if (isStopped) return
    const now = nowUs()
    for (let n = 0; n < MAX_SENDS_PER_TICK; n++) {
      const due = dueUs()
      if (due >= plan.endUs) {
        isStopped = true
        return
      }
      if (due > now) {
        timer = setTimeout(tick, (due - now) / 1000)
        return
      }
      lag.record(now - due)
      plan.send(local, k + 1, due)
      if (++local === plan.localClients) {
        local = 0
        k++
      }
    }
    timer = setTimeout(tick, 0)
  }

  tick()
  return {
    lag,
    stop () {
      isStopped = true
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
