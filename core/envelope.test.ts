import { describe, expect, it } from 'vitest'
import { isGap, parseDownstream, type Envelope, type GapNotice } from './envelope.ts'

const SAMPLE: Envelope = { stream: 'broadcast', epoch: '7f3c2b9e-1d4a-4f0e-9c1b-2a6d8e5f4c3b', seq: 42, tSchedUs: 73_036_528_871, tSendUs: 73_036_528_903, payload: 'AbC-_09xyz' }

describe('parseDownstream', () => {
  it('reads an envelope and a gap notice, and tells them apart', () => {
    expect(parseDownstream(JSON.stringify(SAMPLE))).toEqual(SAMPLE)
    const gap: GapNotice = { gap: true, stream: 's', epoch: 'e', fromSeq: 3, toSeq: 9 }
    const item = parseDownstream(JSON.stringify(gap))
    expect(isGap(item)).toBe(true)
    expect(item).toEqual(gap)
    expect(isGap(SAMPLE)).toBe(false)
  })

  it('refuses what is not an envelope: invalid JSON, and JSON without a numeric seq', () => {
    expect(() => parseDownstream(JSON.stringify(SAMPLE).slice(0, -1))).toThrow(SyntaxError)
    expect(() => parseDownstream('[1,2]')).toThrow(/neither an envelope nor a gap notice/)
    expect(() => parseDownstream('null')).toThrow(/neither an envelope nor a gap notice/)
    expect(() => parseDownstream(JSON.stringify({ ...SAMPLE, seq: '42' }))).toThrow(/neither an envelope nor a gap notice/)
  })
})
