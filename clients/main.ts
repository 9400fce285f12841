import { serveLoadgenProcess } from './loadgen-process.ts'
import { LoadSession } from './session.ts'

// the Node load generator: its clients are our own adapters (ws, undici) in this process
serveLoadgenProcess('clients/main.ts', (job) => new LoadSession(job))
