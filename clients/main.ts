import { serveLoadgenProcess } from './loadgen-process.ts'
import { LoadSession } from './session.ts'

// the Node load generator the runner forks: its clients are our own adapters (ws, the suite's HTTP client) in this process
serveLoadgenProcess('clients/main.ts', (job, clock) => new LoadSession(job, undefined, clock))
