import { BrowserSession } from './browser/browser-session.ts'
import { serveLoadgenProcess } from './loadgen-process.ts'

// the Chromium load generator: its clients run in pages of Debian's Chromium (--clients-in chromium)
serveLoadgenProcess('clients/browser-main.ts', (job) => new BrowserSession(job))
