import { mulberry32 } from './random.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const BLOCK_CHARS = 1 << 20 // 1 MiB of pseudo-random text, sliced per message

/** Returns payload(key, bytes): deterministic ASCII text of exactly `bytes` bytes for a seed and key. */
export function createPayloadSource (seed: number): (key: number, bytes: number) => string {
  const random = mulberry32(seed)
  let block = ''
  const parts: string[] = []
  for (let i = 0; i < BLOCK_CHARS; i++) parts.push(ALPHABET[Math.floor(random() * 64)] as string)
  block = parts.join('')
  return (key, bytes) => {
    if (bytes <= BLOCK_CHARS / 2) {
      const offset = (key * 7919) % (BLOCK_CHARS - bytes)
      return block.slice(offset, offset + bytes)
    }
    return block.repeat(Math.ceil(bytes / BLOCK_CHARS)).slice(0, bytes)
  }
}
