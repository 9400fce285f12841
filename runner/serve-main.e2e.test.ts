import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:net'
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { PATHS } from '../core/wire-protocol.ts'

const children: ChildProcess[] = []

function serve (args: readonly string[]): { child: ChildProcess, stderr: () => string, exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runner/serve-main.ts', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  children.push(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, stderr: () => stderr, exited }
}

async function listeningUrl (stderr: () => string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = /feedbench server listening on (https?:\/\/\S+)/.exec(stderr())
    if (match?.[1] !== undefined) return match[1]
    if (Date.now() > deadline) throw new Error(`no listening line: ${stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

describe('npm run serve', () => {
  it('listens on port 0, publishes at once, and exits 0 on SIGTERM with an SSE client open', async () => {
    const server = serve(['--scenario', 'ticker', '--port', '0', '--transport', 'sse,poll'])
    const url = await listeningUrl(server.stderr)
    expect(server.stderr()).toContain('(transports sse, poll, scenario ticker, HTTP/1.1)')
    const sse = await fetch(`${url}${PATHS.sse}?client=c0&stream=feed`)
    const reader = (sse.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (!text.includes('id: ')) text += new TextDecoder().decode((await reader.read()).value)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('--tls --http 2: serves SSE over h2 with a certificate made at start-up, removed at exit', async () => {
    const server = serve(['--scenario', 'ticker', '--port', '0', '--transport', 'sse', '--tls', '--http', '2'])
    const url = await listeningUrl(server.stderr)
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(server.stderr()).toContain('HTTP/2 + TLS')
    const certPath = /certificate for clients to trust: (\S+\/cert\.pem)/.exec(server.stderr())?.[1] as string
    const agent = new Agent({ allowH2: true, connect: { ca: readFileSync(certPath, 'utf8') } })
    const res = await request(`${url}${PATHS.sse}?client=c0&stream=feed`, { dispatcher: agent })
    let text = ''
    for await (const chunk of res.body) {
      text += String(chunk)
      if (text.includes('id: ')) break
    }
    expect(res.statusCode).toBe(200)
    await agent.destroy()
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(existsSync(dirname(certPath))).toBe(false)
  })

  it('serves a scenario by name, idle until a run is started', async () => {
    const server = serve(['--scenario', 'chat', '--port', '0', '--idle'])
    const url = await listeningUrl(server.stderr)
    expect(await (await fetch(url + PATHS.controlInfo)).json()).toMatchObject({ scenario: { name: 'chat' } })
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
  })

  it('exits 1 with BENCH_ERR_PORT_IN_USE when the port is taken', async () => {
    const blocker: Server = createServer()
    blocker.listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const port = (blocker.address() as { port: number }).port
    try {
      const server = serve(['--port', String(port), '--idle'])
      expect(await server.exited).toBe(1)
      expect(server.stderr()).toMatch(/^error: BENCH_ERR_PORT_IN_USE: Port \d+ on 127\.0\.0\.1 is already in use/m)
    } finally {
      blocker.close()
    }
  })

  it('exits 2 naming the option, the value and what is allowed on bad input', async () => {
    const badTransport = serve(['--transport', 'ws,carrier-pigeon'])
    const badPort = serve(['--port', 'eighty'])
    const badScenario = serve(['--scenario', 'tickr'])
    const unknownOption = serve(['--scenario-json', '{}'])
    expect(await Promise.all([badTransport.exited, badPort.exited, badScenario.exited, unknownOption.exited])).toEqual([2, 2, 2, 2])
    expect(badTransport.stderr()).toContain('Unknown transport "carrier-pigeon" (available: ws, sse, long-poll, poll)')
    expect(badPort.stderr()).toContain('Invalid --port: "eighty" (allowed: an integer 0..65535)')
    expect(badScenario.stderr()).toMatch(/^error: BENCH_ERR_UNKNOWN_SCENARIO: Unknown scenario "tickr"/)
    expect(unknownOption.stderr()).toMatch(/^error: BENCH_ERR_OPTION_INVALID: Invalid --scenario-json: not an option \(allowed: npm run serve -- --scenario/)
  })
})
