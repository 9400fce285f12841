import { describe, expect, it } from 'vitest'
import { isGap, parseDownstream, parsePollBatch, type Envelope, type GapNotice, type PollBatch } from './envelope.ts'

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

describe('equal consecutive texts', () => {
  it('give the same envelope object, a different text a new one, and a refused text leaves the last parse in place', () => {
    const text = JSON.stringify(SAMPLE)
    const first = parseDownstream(text)
    // an equal string built anew (as each client's read decodes its own copy of the bytes)
    expect(parseDownstream(JSON.stringify({ ...SAMPLE }))).toBe(first)
    const next = parseDownstream(JSON.stringify({ ...SAMPLE, seq: 43 }))
    expect(next).not.toBe(first)
    expect(next).toMatchObject({ seq: 43 })
    expect(() => parseDownstream('null')).toThrow(/neither an envelope nor a gap notice/)
    expect(parseDownstream(JSON.stringify({ ...SAMPLE, seq: 43 }))).toBe(next)
    expect(() => parseDownstream('null')).toThrow(/neither an envelope nor a gap notice/)
  })

  it('give the same poll batch object', () => {
    const body = JSON.stringify({ epoch: 'e', cursor: 42, messages: [SAMPLE] } satisfies PollBatch)
    const batch = parsePollBatch(body)
    expect(batch).toEqual({ epoch: 'e', cursor: 42, messages: [SAMPLE] })
    expect(parsePollBatch(`${body}`)).toBe(batch)
    expect(parsePollBatch(JSON.stringify({ epoch: 'e', cursor: 42, messages: [] }))).not.toBe(batch)
  })
})
