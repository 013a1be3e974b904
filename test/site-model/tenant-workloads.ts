/**
 * What tenants submit, as they would write it: objects the admission chain must refuse, a
 * multi-node RDMA training job, the pod KServe makes for a model server.
 */
import type { TenantView } from './tenant-view';
import { manifestsOf, type Obj, type SiteOutput } from './output';

const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const restrictedPod = (namespace: string, spec: Obj, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'probe', namespace, ...metadata },
  spec: {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    ...spec,
    containers: spec.containers ?? [{ name: 'main', image: 'registry.example/app:1.0', securityContext: RESTRICTED_CONTAINER }],
  },
});

/** What no tenant may do, each as a pod or object the admission chain must refuse. */
export function forbiddenProbes(tenant: TenantView): { what: string; object: Obj }[] {
  const ns = tenant.name;
  const container = (securityContext: Obj) => [{ name: 'main', image: 'registry.example/app:1.0', securityContext }];
  return [
    { what: 'a pod at priority factory-system', object: restrictedPod(ns, { priorityClassName: 'factory-system' }) },
    { what: 'a pod at priority system-node-critical', object: restrictedPod(ns, { priorityClassName: 'system-node-critical' }) },
    { what: 'a pod at priority factory-check', object: restrictedPod(ns, { priorityClassName: 'factory-check' }) },
    {
      what: 'a pod adding SYS_ADMIN',
      object: restrictedPod(ns, {
        containers: container({ ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
      }),
    },
    {
      what: 'a privileged pod',
      object: restrictedPod(ns, { containers: container({ ...RESTRICTED_CONTAINER, allowPrivilegeEscalation: true, privileged: true }) }),
    },
    { what: 'a pod on the host network', object: restrictedPod(ns, { hostNetwork: true }) },
    { what: 'a pod mounting a host path', object: restrictedPod(ns, { volumes: [{ name: 'host', hostPath: { path: '/dev' } }] }) },
    { what: 'a pod placed directly on a node', object: restrictedPod(ns, { nodeName: 'gpu-node-1' }) },
    { what: 'a pod under another runtime class', object: restrictedPod(ns, { runtimeClassName: 'runc-privileged' }) },
    {
      what: "a pod attaching another namespace's rail network",
      object: restrictedPod(ns, {}, { annotations: { [NETWORKS]: 'factory-acceptance/rail-0' } }),
    },
    {
      what: 'a NodePort Service',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'probe', namespace: ns },
        spec: { type: 'NodePort', ports: [{ port: 80 }] },
      },
    },
    {
      what: 'a Service with external IPs',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'probe', namespace: ns },
        spec: { ports: [{ port: 443 }], externalIPs: ['198.51.100.7'] },
      },
    },
    {
      what: 'a Job at the acceptance checks’ Kueue priority',
      object: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'probe', namespace: ns, labels: { 'kueue.x-k8s.io/priority-class': 'acceptance' } },
        spec: { template: { spec: restrictedPod(ns, {}).spec } },
      },
    },
  ];
}

/** A tenant's multi-node RDMA training job on a whole-GPU rail pool, as its users would write it. */
export function rdmaJob(tenant: TenantView, pool: { name: string; gpusPerNode: number }, nodes: number): Obj | undefined {
  const rails = tenant.configMaps['rail-networks'];
  if (!rails) return undefined;
  const annotation = rails.networks;
  const rdma = Object.fromEntries(rails.resources.split('\n').map((l) => l.split(': ')));
  const amounts = { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': String(pool.gpusPerNode), ...rdma };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train', namespace: tenant.name, labels: { 'kueue.x-k8s.io/queue-name': 'default' } },
    spec: {
      completions: nodes,
      parallelism: nodes,
      completionMode: 'Indexed',
      template: {
        metadata: { annotations: { [NETWORKS]: annotation, 'kueue.x-k8s.io/podset-preferred-topology': 'ai-factory.eu/block' } },
        spec: {
          ...restrictedPod(tenant.name, {}).spec,
          nodeSelector: { 'ai-factory.eu/pool': pool.name },
          priorityClassName: 'factory-production',
          containers: [
            {
              name: 'trainer',
              image: 'nvcr.io/nvidia/pytorch:25.10-py3',
              securityContext: { ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } },
              resources: { requests: amounts, limits: amounts },
            },
          ],
        },
      },
    },
  };
}

export const podOf = (job: Obj): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${job.metadata.name}-0`, namespace: job.metadata.namespace, ...job.spec.template.metadata },
  spec: job.spec.template.spec,
});

/** The pod KServe makes from the vLLM ClusterServingRuntime for an InferenceService in `namespace`. */
export function servingPod(out: SiteOutput, namespace: string): Obj | undefined {
  const runtime = manifestsOf(out.platform).find((m) => m.kind === 'ClusterServingRuntime');
  if (!runtime) return undefined;
  const { containers, volumes, nodeSelector, tolerations, labels } = runtime.spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'llm-predictor-0', namespace, labels: { ...labels, 'serving.kserve.io/inferenceservice': 'llm' } },
    spec: { containers, volumes, nodeSelector, tolerations },
  };
}
