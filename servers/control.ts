import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { RunRequest, RunStarted, RunStopped, ServerClock, ServerInfo, ServerStats } from '../core/control.ts'
import { nowUs } from '../core/clock.ts'
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
}, { additionalProperties: false })

/** Registers the runner's control routes: run, stop, info, stats and clock (core/control.ts). */
export function registerControl (app: FastifyInstance, ctx: ControlContext): void {
  app.post<{ Body: RunRequest }>(PATHS.controlRun, { schema: { body: RunRequestSchema } }, async (request): Promise<RunStarted> => {
    const started = ctx.hub.run(request.body.durationMs)
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
  // remote load generators align their clocks to this one before every round (clients/clock-offset.ts)
  app.get(PATHS.controlClock, async (): Promise<ServerClock> => ({ nowUs: nowUs() }))
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
