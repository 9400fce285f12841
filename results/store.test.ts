import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildSampleResult } from './fixtures/build-sample.ts'
import { SCHEMA_VERSION } from './schema.ts'
import { readResult, writeResult } from './store.ts'

describe('result store', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'feedbench-store-')) })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes <runId>.json and latest.json that read back equal to the result', () => {
    const result = buildSampleResult({ rounds: 2, transports: ['ws', 'poll'] })
    const [runFile, latestFile] = writeResult(dir, result)
    expect(runFile).toBe(join(dir, `${result.runId}.json`))
    expect(latestFile).toBe(join(dir, 'latest.json'))
    expect(readResult(runFile)).toEqual(result)
    expect(readResult(latestFile)).toEqual(result)
  })

  it('refuses to write an invalid result, naming the bad path', () => {
    const result = buildSampleResult({ rounds: 1, transports: ['ws'] })
    const bad = { ...result, rounds: [{ ...result.rounds[0]!, clients: 1.5 }] }
    expect(() => writeResult(dir, bad)).toThrow(/\/rounds\/0\/clients/)
  })

  it('refuses a run id that is not a safe file name', () => {
    const result = { ...buildSampleResult({ rounds: 1, transports: ['ws'] }), runId: '../escape' }
    expect(() => writeResult(dir, result)).toThrow(expect.objectContaining({ code: 'BENCH_ERR_RESULT_INVALID' }))
  })

  it('rejects a file that breaks the schema with the file, the schema version and the first bad path', () => {
    const file = join(dir, 'bad.json')
    const result = buildSampleResult({ rounds: 1, transports: ['sse'] })
    writeFileSync(file, JSON.stringify({ ...result, rounds: [{ ...result.rounds[0]!, transport: 'carrier-pigeon' }] }))
    let error: unknown
    try { readResult(file) } catch (err) { error = err }
    expect(error).toMatchObject({ code: 'BENCH_ERR_RESULT_INVALID' })
    const message = (error as Error).message
    expect(message).toContain(file)
    expect(message).toContain(`schema version ${SCHEMA_VERSION}`)
    expect(message).toContain('/rounds/0/transport')
  })

  it('rejects another schema version and non-JSON files by name', () => {
    const versioned = join(dir, 'v2.json')
    writeFileSync(versioned, JSON.stringify({ ...buildSampleResult({ rounds: 1 }), schemaVersion: 2 }))
    expect(() => readResult(versioned)).toThrow(/v2\.json.*\/schemaVersion is 2/)
    const garbage = join(dir, 'garbage.json')
    writeFileSync(garbage, '{ not json')
    expect(() => readResult(garbage)).toThrow(/garbage\.json.*not JSON/)
    expect(() => readResult(join(dir, 'missing.json'))).toThrow(/missing\.json.*cannot read/)
  })

  it('leaves no temporary files behind', () => {
    writeResult(dir, buildSampleResult({ rounds: 1, transports: ['ws'] }))
    expect(readFileSync(join(dir, 'latest.json'), 'utf8').endsWith('\n')).toBe(true)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
