import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { writeBatch } from './write-policy.ts'

/** A socket stand-in that records which frames would leave together in one write. */
function recordingSocket (): { socket: Socket, flushes: string[][], write: (frame: string) => void } {
  let corked = 0
  let buffered: string[] = []
  const flushes: string[][] = []
  const flush = (): void => { if (buffered.length > 0) flushes.push(buffered); buffered = [] }
  const socket = {
    destroyed: false,
    get writableCorked () { return corked },
    cork () { corked++ },
    uncork () { if (corked > 0 && --corked === 0) flush() },
  } as unknown as Socket
  const write = (frame: string): void => {
    // like an HTTP response: each write corks until later unless someone uncorks
    if (corked === 0) corked++
    buffered.push(frame)
  }
  return { socket, flushes, write }
}

describe('write policy', () => {
  it('per-tick: the whole batch leaves in one flush', () => {
    const { socket, flushes, write } = recordingSocket()
    writeBatch(socket, 'per-tick', ['a', 'b', 'c'], write)
    expect(flushes).toEqual([['a', 'b', 'c']])
  })

  it('per-message: every frame leaves on its own, even when the stream corks each write', () => {
    const { socket, flushes, write } = recordingSocket()
    writeBatch(socket, 'per-message', ['a', 'b', 'c'], write)
    expect(flushes).toEqual([['a'], ['b'], ['c']])
  })
})
