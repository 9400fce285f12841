import type { LoadgenToRunner, RunnerToLoadgen } from '../core/control.ts'
import { createLoadgenHandler, type SessionFactory } from './loadgen-handler.ts'

export type { LoadgenSession } from './loadgen-handler.ts'

/** Sends one IPC message and resolves once it has been handed to the channel. */
function send (message: LoadgenToRunner): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve()
    process.send(message, undefined, {}, () => resolve())
  })
}

/**
 * A load-generator process the runner forks on its own host: the runner protocol (core/control.ts) over
 * IPC, handled by the one handler remote generators use too (clients/loadgen-handler.ts), for one kind of
 * session. `entry` names the process in the message printed when it is started without an IPC channel.
 */
export function serveLoadgenProcess (entry: string, createSession: SessionFactory): void {
  if (process.send === undefined) {
    process.stderr.write(`${entry} is a load-generator process: the runner forks it with an IPC channel (npm run bench)\n`)
    process.exitCode = 2
    return
  }
  const handler = createLoadgenHandler({
    send,
    isRemote: false,
    exit (code) {
      process.exitCode = code
      // open sockets, pools and browsers must not keep a finished load generator alive
      process.exit()
    },
  }, createSession)
  process.on('message', (message: RunnerToLoadgen) => { handler.receive(message) })
  // the runner is gone: nobody will read a report
  process.on('disconnect', () => { handler.exit(1).catch(() => {}) })
  process.on('uncaughtException', (err) => { handler.fail(err).catch(() => {}) })
  process.on('unhandledRejection', (err) => { handler.fail(err).catch(() => {}) })
}
