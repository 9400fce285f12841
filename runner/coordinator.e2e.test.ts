import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { REMOTE_PROTOCOL_VERSION, type RemoteWelcome } from '../core/control.ts'
import { startCoordinator, type Coordinator } from './coordinator.ts'

const TOKEN = 'test-token'
let coordinator: Coordinator | undefined
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  await coordinator?.close()
  coordinator = undefined
})

/** Says hello and resolves with the coordinator's answer and, for a refusal, the close code. */
async function hello (fields: Record<string, unknown>): Promise<{ answer: RemoteWelcome, closeCode?: number }> {
  const socket = new WebSocket((coordinator as Coordinator).url, { perMessageDeflate: false })
  sockets.push(socket)
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  const closed = new Promise<number>((resolve) => socket.once('close', resolve))
  const answer = new Promise<RemoteWelcome>((resolve) => socket.once('message', (d) => resolve(JSON.parse(d.toString()) as RemoteWelcome)))
  socket.send(JSON.stringify({ type: 'hello', version: REMOTE_PROTOCOL_VERSION, token: TOKEN, index: 0, ...fields }))
  const a = await answer
  return a.type === 'refused' ? { answer: a, closeCode: await closed } : { answer: a }
}

describe('coordinator hello', () => {
  it('welcomes a generator with the token, the version and a free index below N', async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, loadgens: 2, token: TOKEN })
    expect((await hello({ index: 1 })).answer).toEqual({ type: 'welcome', version: REMOTE_PROTOCOL_VERSION, loadgens: 2 })
    expect(coordinator.children(2).map((c) => c.label)).toEqual([
      expect.stringMatching(/^load generator 0 \(not connected\)/), expect.stringMatching(/^load generator 1 \(127\.0\.0\.1:\d+\)/)])
  })

  it.each([
    ['a missing token', { token: undefined }, /^missing token: set FEEDBENCH_TOKEN/],
    ['an empty token', { token: '' }, /^missing token/],
    ['a wrong token', { token: 'not-it' }, /^wrong token: FEEDBENCH_TOKEN differs/],
    ['a version mismatch', { version: REMOTE_PROTOCOL_VERSION + 1 }, new RegExp(`^protocol version mismatch: the generator speaks version ${REMOTE_PROTOCOL_VERSION + 1}, this coordinator version ${REMOTE_PROTOCOL_VERSION}`)],
    ['an index equal to N', { index: 2 }, /^index 2 out of range: this coordinator runs 2 load generators, indices 0 to 1/],
    ['a negative index', { index: -1 }, /^index -1 out of range/],
    ['a fractional index', { index: 0.5 }, /^index 0.5 out of range/],
  ])('refuses %s, naming it, and closes with 1008', async (_name, fields, reason) => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, loadgens: 2, token: TOKEN })
    const { answer, closeCode } = await hello(fields)
    expect(answer.type).toBe('refused')
    expect(answer.type === 'refused' ? answer.reason : '').toMatch(reason)
    expect(closeCode).toBe(1008)
  })

  it('refuses a duplicate index while its holder is connected, and accepts it again once the holder is gone', async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, loadgens: 2, token: TOKEN })
    expect((await hello({ index: 0 })).answer.type).toBe('welcome')
    const second = await hello({ index: 0 })
    expect(second.answer).toEqual({ type: 'refused', reason: expect.stringMatching(/^duplicate index 0: a generator from 127\.0\.0\.1:\d+ holds it/) })
    const holder = sockets[0] as WebSocket
    const gone = new Promise((resolve) => holder.once('close', resolve))
    holder.close()
    await gone
    await expect.poll(() => coordinator?.children(1)[0]?.label, { timeout: 5_000 }).toMatch(/not connected/)
    expect((await hello({ index: 0 })).answer.type).toBe('welcome')
  })

  it('names the missing indices when not all N generators connect in time', async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, loadgens: 3, token: TOKEN })
    await hello({ index: 1 })
    await expect(coordinator.waitForAll(200)).rejects.toThrow(/waiting for 3 load generators \(missing indices: 0, 2\) did not finish within 200 ms/)
  })
})
