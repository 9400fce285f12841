import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

// A hub publishing on the worker clock, in a run of a minute, with nothing else to do.
const SCRIPT = `
import { createHub } from './servers/hub.ts'
import { resolveScenario } from './core/config.ts'
const hub = createHub(resolveScenario({ name: 'exit', pattern: 'broadcast', clients: 1, ratePerSec: 1000 }))
setTimeout(() => {
  hub.run(60_000)
  setTimeout(() => { console.log(JSON.stringify({ clock: hub.clockKind, published: hub.published })) }, 200)
}, 200)
`

describe('publish clock in a process', () => {
  it('does not keep the process alive: it exits 0 in the middle of a run once nothing else is pending', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    const killer = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
    const code = await new Promise<number | null>((resolve) => { child.once('exit', resolve) })
    clearTimeout(killer)
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as { clock: string, published: number }
    expect(report.clock).toBe('worker')
    expect(report.published).toBeGreaterThan(0)
  })
})
