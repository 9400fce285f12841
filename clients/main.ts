import type { LoadgenToRunner, RunnerToLoadgen } from '../core/control.ts'
import { createLoadgenHandler } from './loadgen-handler.ts'

// The load-generator process the runner forks on its own host; it speaks the runner protocol over IPC.

/** Sends one IPC message and resolves once it has been handed to the channel. */
function send (message: LoadgenToRunner): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve()
    process.send(message, undefined, {}, () => resolve())
  })
}

if (process.send === undefined) {
  process.stderr.write('clients/main.ts is the load-generator process: the runner forks it with an IPC channel (npm run bench)\n')
  process.exitCode = 2
} else {
  const handler = createLoadgenHandler({
    send,
    isRemote: false,
    exit (code) {
      process.exitCode = code
      // open sockets and pools must not keep a finished load generator alive
      process.exit()
    },
  })
  process.on('message', (message: RunnerToLoadgen) => { handler.receive(message) })
  // the runner is gone: nobody will read a report
  process.on('disconnect', () => { handler.exit(1).catch(() => {}) })
  process.on('uncaughtException', (err) => { handler.fail(err).catch(() => {}) })
  process.on('unhandledRejection', (err) => { handler.fail(err).catch(() => {}) })
}
