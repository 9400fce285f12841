import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveScenario } from '../core/config.ts'
import type { ServerToRunner } from '../core/control.ts'
import { PATHS } from '../core/wire-protocol.ts'

const children: ChildProcess[] = []
const CHAT = JSON.stringify(resolveScenario({ name: 'chat', pattern: 'chat' }))

/** Starts the server process as the runner does: with an IPC channel. */
function fork (args: readonly string[]): { child: ChildProcess, stderr: () => string, message: Promise<ServerToRunner>, exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'servers/main.ts', ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  children.push(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const message = once(child, 'message').then(([m]) => m as ServerToRunner)
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, stderr: () => stderr, message, exited }
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

describe('servers/main.ts (the server process the runner forks)', () => {
  it('tells the runner over IPC where it listens, and exits 0 when the runner disconnects', async () => {
    const server = fork(['--scenario-json', CHAT, '--port', '0', '--idle'])
    const message = await server.message
    expect(message).toEqual({ type: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) })
    expect(server.stderr()).toContain(`feedbench server listening on ${(message as { url: string }).url}`)
    expect(await (await fetch((message as { url: string }).url + PATHS.controlInfo)).json()).toMatchObject({ scenario: { name: 'chat' } })
    server.child.disconnect()
    expect(await server.exited).toBe(0)
  })

  it('tells the runner BENCH_ERR_PORT_IN_USE over IPC and exits 1 when the port is taken', async () => {
    const blocker: Server = createServer()
    blocker.listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const port = (blocker.address() as { port: number }).port
    try {
      const server = fork(['--scenario-json', CHAT, '--port', String(port), '--idle'])
      expect(await server.message).toMatchObject({ type: 'error', code: 'BENCH_ERR_PORT_IN_USE', message: expect.stringMatching(/^Port \d+ on 127\.0\.0\.1 is already in use/) })
      expect(await server.exited).toBe(1)
    } finally {
      blocker.close()
    }
  })

  it('tells the runner about bad input over IPC and exits 2, naming the option', async () => {
    const missing = fork(['--port', '0'])
    const badPort = fork(['--scenario-json', CHAT, '--port', 'eighty'])
    expect(await Promise.all([missing.exited, badPort.exited])).toEqual([2, 2])
    expect(await missing.message).toMatchObject({ type: 'error', code: 'BENCH_ERR_OPTION_INVALID', message: expect.stringContaining('Invalid --scenario-json: none given') })
    expect(await badPort.message).toMatchObject({ type: 'error', code: 'BENCH_ERR_OPTION_INVALID', message: 'Invalid --port: "eighty" (allowed: an integer 0..65535)' })
  })
})
