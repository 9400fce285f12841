import { describe, expect, it } from 'vitest'
import type { V1Deployment, V1Job, V1Service } from '@kubernetes/client-node'
import { buildManifests, COORDINATOR_PORT, SERVER_PORT, TOKEN_SECRET } from './k8s.ts'

const m = buildManifests({ loadgens: 7, image: 'registry.example.com/feedbench:1', scenario: 'ticker', transports: 'ws,sse' })
const tokenEnv = { name: 'FEEDBENCH_TOKEN', valueFrom: { secretKeyRef: { name: TOKEN_SECRET, key: 'token' } } }

describe('k8s manifests', () => {
  it('generator Job: Indexed, parallelism and completions N, JOB_COMPLETION_INDEX as --index, token from the Secret', () => {
    const job = m.loadgens
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', parallelism: 7, completions: 7 } })
    const container = job.spec?.template.spec?.containers[0]
    expect(container?.image).toBe('registry.example.com/feedbench:1')
    const args = container?.args ?? []
    expect(args.slice(0, 4)).toEqual(['npm', 'run', 'loadgen', '--'])
    expect(args[args.indexOf('--index') + 1]).toBe('$(JOB_COMPLETION_INDEX)')
    expect(args[args.indexOf('--coordinator') + 1]).toBe(`ws://feedbench-coordinator:${COORDINATOR_PORT}`)
    expect(container?.env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } })
    expect(container?.env).toContainEqual(tokenEnv)
    expect(container?.resources?.requests).toEqual({ cpu: '2', memory: '2Gi' })
  })

  it('generator pods prefer nodes without another generator (and without the server)', () => {
    const terms = m.loadgens.spec?.template.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    expect(terms.map((t) => [t.podAffinityTerm.topologyKey, t.podAffinityTerm.labelSelector?.matchLabels])).toEqual([
      ['kubernetes.io/hostname', { 'app.kubernetes.io/name': 'feedbench-loadgen' }],
      ['kubernetes.io/hostname', { 'app.kubernetes.io/name': 'feedbench-server' }],
    ])
    expect(m.loadgens.spec?.template.metadata?.labels).toEqual({ 'app.kubernetes.io/name': 'feedbench-loadgen' })
  })

  it('server: a Deployment of npm run serve on 0.0.0.0 and a Service on its port', () => {
    const [deployment, service] = m.server.items as [V1Deployment, V1Service]
    expect(deployment.kind).toBe('Deployment')
    const c = deployment.spec?.template.spec?.containers[0]
    expect(c?.args).toEqual(['npm', 'run', 'serve', '--', '--scenario', 'ticker', '--transport', 'ws,sse', '--host', '0.0.0.0', '--port', String(SERVER_PORT), '--idle'])
    expect(c?.resources?.requests).toEqual({ cpu: '2', memory: '2Gi' })
    expect(service).toMatchObject({ kind: 'Service', metadata: { name: 'feedbench-server' }, spec: { ports: [{ port: SERVER_PORT }], selector: { 'app.kubernetes.io/name': 'feedbench-server' } } })
  })

  it('coordinator: a Job running npm run bench --loadgens N --listen against the server Service, with the token, and its Service', () => {
    const [job, service] = m.coordinator.items as [V1Job, V1Service]
    expect(job).toMatchObject({ kind: 'Job', spec: { backoffLimit: 0 } })
    const c = job.spec?.template.spec?.containers[0]
    expect(c?.command?.[2]).toContain(`npm run bench -- --scenario ticker --transport ws,sse --loadgens 7 --listen 0.0.0.0:${COORDINATOR_PORT} --target http://feedbench-server:${SERVER_PORT};`)
    expect(c?.env).toEqual([tokenEnv])
    expect(c?.resources?.requests).toBeDefined()
    expect(service).toMatchObject({ kind: 'Service', metadata: { name: 'feedbench-coordinator' }, spec: { ports: [{ port: COORDINATOR_PORT }] } })
  })
})
