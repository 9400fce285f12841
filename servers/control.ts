import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { RunRequest, RunStarted, RunStopped, ServerClock, ServerInfo, ServerStats } from '../core/control.ts'
import { nowUs } from '../core/clock.ts'
import { errors } from '../core/errors.ts'
import type { ProcessMonitor } from '../core/process-stats.ts'
import type { TransportName } from '../core/wire-protocol.ts'
import { maxMessageBytes } from '../core/config.ts'
import { PATHS } from '../core/wire-protocol.ts'
import type { Hub } from './hub.ts'

/** What the control routes read: the hub, the process monitor and the live connection counters. */
export interface ControlContext {
  readonly hub: Hub
  readonly transports: readonly TransportName[]
  readonly monitor: ProcessMonitor
  openConnections (): number
  slowConsumerCuts (): number
  protocolErrors (): number
  /** Client connections dropped by faults.dropSharePerSec, since the process started. */
  faultDrops (): number
}

const RunRequestSchema = Type.Object({
  durationMs: Type.Integer({ minimum: 1, maximum: 24 * 3_600_000 }), // one day at most
  window: Type.Optional(Type.Object({
    startMs: Type.Integer({ minimum: 0, maximum: 24 * 3_600_000 }),
    endMs: Type.Integer({ minimum: 1, maximum: 24 * 3_600_000 }),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

// The page a browser load generator opens, so its WebSocket, EventSource and fetch are same-origin with the
// feed. Cross-origin isolation (COOP + COEP) lets Chromium give performance.now() 5 µs resolution instead of
// 100 µs; the generator injects its own script, so the page carries none.
const BROWSER_PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>feedbench clients</title></head><body></body></html>'

/** Registers the runner's control routes: run, stop, info, stats and clock, and the browser generator's page (core/control.ts). */
export function registerControl (app: FastifyInstance, ctx: ControlContext): void {
  app.post<{ Body: RunRequest }>(PATHS.controlRun, { schema: { body: RunRequestSchema } }, async (request): Promise<RunStarted> => {
    const { durationMs, window } = request.body
    if (window !== undefined && window.endMs <= window.startMs) {
      throw new errors.BENCH_ERR_BAD_REQUEST('window', JSON.stringify(window), 'startMs < endMs')
    }
    const started = ctx.hub.run(durationMs, window)
    ctx.monitor.reset()
    return started
  })
  app.post(PATHS.controlStop, async (): Promise<RunStopped> => ctx.hub.stop())
  app.get(PATHS.controlInfo, async (): Promise<ServerInfo> => ({
    epoch: ctx.hub.epoch,
    scenario: ctx.hub.config,
    transports: ctx.transports,
    maxMessageBytes: maxMessageBytes(ctx.hub.config),
    pid: process.pid,
  }))
  app.get<{ Querystring: { settle?: string } }>(PATHS.controlStats, async (request): Promise<ServerStats> => {
    // settle=1: collect garbage first (when the process runs with --expose-gc), so that RSS read before
    // and after the clients connect differs by what the connections hold, not by garbage not yet collected
    if (request.query.settle === '1') settle()
    return stats(ctx)
  })
  app.get(PATHS.controlClock, async (_request, reply): Promise<ServerClock> => {
    // remote load generators and browser pages align their clocks to this one before every round
    reply.header('cache-control', 'no-store')
    return { nowUs: nowUs() }
  })
  app.get(PATHS.browserPage, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('cross-origin-opener-policy', 'same-origin')
    reply.header('cross-origin-embedder-policy', 'require-corp')
    reply.type('text/html; charset=utf-8')
    return BROWSER_PAGE_HTML
  })
}

function settle (): void {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
}

function stats (ctx: ControlContext): ServerStats {
  return {
    epoch: ctx.hub.epoch,
    process: ctx.monitor.snapshot(),
    openConnections: ctx.openConnections(),
    slowConsumerCuts: ctx.slowConsumerCuts(),
    protocolErrors: ctx.protocolErrors(),
    upstreamOutsideRun: ctx.hub.upstreamOutsideRun,
    faultDrops: ctx.faultDrops(),
  }
}
