// A forked process that reports the cores it may run on (its affinity mask) and exits: checks forkChild's pinning.
import { readFileSync } from 'node:fs'

const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? ''
process.send?.({ type: 'cpus', list }, () => process.exit(0))
