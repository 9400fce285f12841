import { readdirSync, readFileSync } from 'node:fs'

// /proc/PID/stat counts CPU in clock ticks; USER_HZ is 100 on every Linux architecture Node runs on
const TICK_US = 10_000
const PAGE_BYTES = 4096

/** CPU and memory of a process tree at one instant, from /proc. */
export interface TreeUsage {
  readonly userUs: number
  readonly systemUs: number
  readonly rssBytes: number
  readonly processes: number
}

/**
 * Sums user and system CPU and RSS over `rootPid` and every process below it (Chromium's browser,
 * GPU, network-service and renderer processes are all children of the process that launched it). A
 * process that exited between two readings takes its CPU with it: the figures are a lower bound,
 * exact while the browser's processes live, as they do through a round.
 */
export function readTreeUsage (rootPid: number): TreeUsage {
  const stats = new Map<number, { ppid: number, user: number, system: number, rss: number }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let text: string
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // proc(5): the command name is in parentheses and may hold spaces; fields after it are space separated
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    stats.set(Number(name), { ppid: Number(fields[1]), user: Number(fields[11]), system: Number(fields[12]), rss: Number(fields[21]) })
  }
  const children = new Map<number, number[]>()
  for (const [pid, s] of stats) {
    const list = children.get(s.ppid) ?? []
    list.push(pid)
    children.set(s.ppid, list)
  }
  let userTicks = 0
  let systemTicks = 0
  let rssPages = 0
  let processes = 0
  const todo = [rootPid]
  while (todo.length > 0) {
    const pid = todo.pop() as number
    const s = stats.get(pid)
    if (s === undefined) continue
    userTicks += s.user
    systemTicks += s.system
    rssPages += s.rss
    processes++
    todo.push(...(children.get(pid) ?? []))
  }
  return { userUs: userTicks * TICK_US, systemUs: systemTicks * TICK_US, rssBytes: rssPages * PAGE_BYTES, processes }
}
