import type { Socket } from 'node:net'
import type { ScenarioConfig } from '../core/config.ts'

/** The scenario's write policy: 'per-tick' (one syscall per batch) or 'per-message' (one per frame). */
export type WritePolicy = ScenarioConfig['writePolicy']

/**
 * Writes a batch of frames under the write policy, the one place the policy lives. 'per-tick' corks
 * the socket around the batch so every frame leaves in one write; 'per-message' forces each frame out
 * on its own (Node's HTTP response corks every res.write until nextTick, so uncork after each).
 */
export function writeBatch<T> (socket: Socket | null | undefined, policy: WritePolicy, frames: readonly T[], writeOne: (frame: T) => void): void {
  if (socket === null || socket === undefined || socket.destroyed) return
  if (policy === 'per-tick') {
    socket.cork()
    try {
      for (const frame of frames) writeOne(frame)
    } finally {
      socket.uncork()
    }
    return
  }
  for (const frame of frames) {
    writeOne(frame)
    while (socket.writableCorked > 0) socket.uncork()
  }
}
