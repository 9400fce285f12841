/** mulberry32: a small seeded PRNG returning floats in [0, 1), so every process derives the same sequence from a seed. */
export function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A stable fraction in [0, 1) for a text (FNV-1a, 32 bits): the same text gives the same fraction in every process. */
export function unitHash (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  // one mulberry32 step spreads ids that differ only in their last character over the whole interval
  return mulberry32(h)()
}

/**
 * Where in its polling interval a client's fixed-rate polls fall, ms after its first poll: spread by
 * client id over [0, intervalMs). Pollers that all connected in the same millisecond would otherwise
 * poll in step, and a schedule that publishes once per interval (the chat's senders take turns every
 * 1 / (clients × rate) s) would meet them at one phase: a round's poll latency would then be whatever
 * that phase happened to be (p50 12 ms in one round, 94 ms in the next, at chat-200's 100 ms interval),
 * not the uniform wait of a population of independent pollers.
 */
export function pollPhaseMs (clientId: string, intervalMs: number): number {
  return intervalMs * unitHash(clientId)
}
