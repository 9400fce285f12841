import type { V1Deployment, V1Job, V1PodSpec, V1Service, V1EnvVar, V1ResourceRequirements } from '@kubernetes/client-node'

// Kubernetes manifests for a run beyond one machine, built as the API's own model types so that the
// typecheck catches a misspelt or misplaced field. Written as JSON (kubectl reads it like YAML).

/** Name of the Secret holding FEEDBENCH_TOKEN (key `token`); created by hand, never written to disk by us. */
export const TOKEN_SECRET = 'feedbench-token'
/** Port of the server (npm run serve) and of the coordinator (--listen). */
export const SERVER_PORT = 8080
export const COORDINATOR_PORT = 9000
/** How long the coordinator's pod stays up after the run, so that its result and report can be copied out, s. */
export const KEEP_RESULTS_S = 600

/** Several objects in one file, as kubectl writes and reads them (kind: List). */
export interface ManifestList {
  readonly apiVersion: 'v1'
  readonly kind: 'List'
  readonly items: ReadonlyArray<V1Deployment | V1Service | V1Job>
}

/** What `npm run k8s` is asked for. */
export interface K8sOptions {
  readonly loadgens: number
  readonly image: string
  readonly scenario: string
  readonly transports: string
}

/** The three manifest files: the server (Deployment + Service), the coordinator (Job + Service), the generators (Indexed Job). */
export interface K8sManifests {
  readonly server: ManifestList
  readonly coordinator: ManifestList
  readonly loadgens: V1Job
}

const LABEL = 'app.kubernetes.io/name'
const SERVER = 'feedbench-server'
const COORDINATOR = 'feedbench-coordinator'
const LOADGEN = 'feedbench-loadgen'

// requests, not limits: the scheduler places pods by them, and a CPU limit would throttle the very process measured
const SERVER_RESOURCES: V1ResourceRequirements = { requests: { cpu: '2', memory: '2Gi' } }
const COORDINATOR_RESOURCES: V1ResourceRequirements = { requests: { cpu: '500m', memory: '512Mi' } }
const LOADGEN_RESOURCES: V1ResourceRequirements = { requests: { cpu: '2', memory: '2Gi' } }

const TOKEN_ENV: V1EnvVar = { name: 'FEEDBENCH_TOKEN', valueFrom: { secretKeyRef: { name: TOKEN_SECRET, key: 'token' } } }

/** Builds every manifest of a run with `loadgens` generator pods. */
export function buildManifests (o: K8sOptions): K8sManifests {
  return { server: serverManifests(o), coordinator: coordinatorManifests(o), loadgens: loadgenJob(o) }
}

function serverManifests (o: K8sOptions): ManifestList {
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: SERVER, labels: { [LABEL]: SERVER } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [LABEL]: SERVER } },
      template: {
        metadata: { labels: { [LABEL]: SERVER } },
        spec: {
          containers: [{
            name: 'server',
            image: o.image,
            args: ['npm', 'run', 'serve', '--', '--scenario', o.scenario, '--transport', o.transports, '--host', '0.0.0.0', '--port', String(SERVER_PORT), '--idle'],
            ports: [{ containerPort: SERVER_PORT, name: 'http' }],
            resources: SERVER_RESOURCES,
            readinessProbe: { httpGet: { path: '/_feedbench/info', port: SERVER_PORT } },
          }],
        },
      },
    },
  }
  return { apiVersion: 'v1', kind: 'List', items: [deployment, service(SERVER, SERVER_PORT)] }
}

function coordinatorManifests (o: K8sOptions): ManifestList {
  const bench = ['npm', 'run', 'bench', '--', '--scenario', o.scenario, '--transport', o.transports,
    '--loadgens', String(o.loadgens), '--listen', `0.0.0.0:${COORDINATOR_PORT}`, '--target', `http://${SERVER}:${SERVER_PORT}`]
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: COORDINATOR, labels: { [LABEL]: COORDINATOR } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { [LABEL]: COORDINATOR } },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'coordinator',
            image: o.image,
            // the pod stays up after the run so that results/ and report/ can be copied out (kubectl cp), then exits with the run's code
            command: ['sh', '-c', `${bench.join(' ')}; code=$?; echo "run finished (exit $code); results kept ${KEEP_RESULTS_S} s"; sleep ${KEEP_RESULTS_S}; exit $code`],
            env: [TOKEN_ENV],
            ports: [{ containerPort: COORDINATOR_PORT, name: 'control' }],
            resources: COORDINATOR_RESOURCES,
          }],
        },
      },
    },
  }
  return { apiVersion: 'v1', kind: 'List', items: [job, service(COORDINATOR, COORDINATOR_PORT)] }
}

function loadgenJob (o: K8sOptions): V1Job {
  const pod: V1PodSpec = {
    restartPolicy: 'Never',
    // generators spread over the nodes, away from each other and from the server: two on one node would share its cores
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [LABEL]: LOADGEN } } } },
          { weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [LABEL]: SERVER } } } },
        ],
      },
    },
    containers: [{
      name: 'loadgen',
      image: o.image,
      args: ['npm', 'run', 'loadgen', '--', '--coordinator', `ws://${COORDINATOR}:${COORDINATOR_PORT}`, '--index', '$(JOB_COMPLETION_INDEX)', '--wait', '300s'],
      env: [
        // an Indexed Job numbers its pods 0 .. completions − 1; Kubernetes expands $(JOB_COMPLETION_INDEX) in args
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
        TOKEN_ENV,
      ],
      resources: LOADGEN_RESOURCES,
    }],
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: LOADGEN, labels: { [LABEL]: LOADGEN } },
    spec: {
      completionMode: 'Indexed',
      completions: o.loadgens,
      parallelism: o.loadgens,
      // a generator lost mid-run makes its round INVALID; a restarted pod with the same index rejoins later rounds
      backoffLimit: o.loadgens,
      template: { metadata: { labels: { [LABEL]: LOADGEN } }, spec: pod },
    },
  }
}

function service (name: string, port: number): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { [LABEL]: name } },
    spec: { selector: { [LABEL]: name }, ports: [{ port, targetPort: port }] },
  }
}
