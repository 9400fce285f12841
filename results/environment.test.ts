import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { collectEnvironment, installedVersion, RECORDED_PACKAGES } from './environment.ts'
import { RunResultSchema } from './schema.ts'

describe('environment fingerprint', () => {
  it('matches the result schema and records every package version', () => {
    const env = collectEnvironment(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:01:00Z'), {})
    expect(Value.Check(RunResultSchema.properties.environment, env)).toBe(true)
    expect(Object.keys(env.packages)).toEqual([...RECORDED_PACKAGES])
    expect(env.packages.fastify).toMatch(/^\d+\.\d+\.\d+/)
    expect(env.node).toBe(process.version)
    expect(env.startedAt).toBe('2025-01-01T00:00:00.000Z')
  })

  it('reads the CI flag from env.CI', () => {
    const at = new Date()
    expect(collectEnvironment(at, at, { CI: 'true' }).ci).toBe(true)
    expect(collectEnvironment(at, at, { CI: 'false' }).ci).toBe(false)
    expect(collectEnvironment(at, at, {}).ci).toBe(false)
  })

  it('says "not installed" for a package that is missing', () => {
    expect(installedVersion('no-such-package-feedbench')).toBe('not installed')
  })
})
