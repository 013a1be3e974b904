import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf/lib/terraform-dependable';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { RoleV1 } from '@cdktf/provider-kubernetes/lib/role-v1';
import { poolGpus, type RailPlan, siteCpus, siteGpus, siteMemoryGiB, type Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { PROGRAMME_LABEL } from '../scheduling/kueue-queues';
import { NCCL_CONFIG_MAP } from '../fabric/fabric-settings';
import { PodSecurityLevel, SiteNamespace } from '../namespace';
import { ADMISSION_POLICIES, KUEUE, PRIORITY_CLASS, siteLabels, TENANT_LABEL } from '../contract';

export { TENANT_LABEL } from '../contract';
import { TIERS } from '../storage/storage-tiers';
import { GPU_RESOURCE, migActive, migResource } from '../gpu/gpu-resources';
import { addRailAttachments, railAnnotation, railResources } from '../fabric/rail-networks';

/** The LocalQueue every tenant namespace has; jobs set `kueue.x-k8s.io/queue-name: default`. */
export const TENANT_QUEUE = KUEUE.tenantQueue;
export const TENANT_ROLE = 'tenant-member';
const MAX_PVCS = 200;
/** Buckets a tenant may claim; each may hold at most its share of the object tier divided by this. */
export const MAX_BUCKETS = 8;
/** ConfigMap in each tenant namespace saying how to attach the rails. */
export const RAIL_CONFIG_MAP = 'rail-networks';
/** Container defaults where a pod sets none (restricted namespaces still need requests for quotas). */
const DEFAULT_REQUEST = { cpu: '500m', memory: '2Gi' };
const DEFAULT_LIMIT = { cpu: '2', memory: '8Gi' };

type Tenant = Site['tenants'][number];

export interface TenantSpaceProps {
  readonly site: Site;
  readonly tenant: Tenant;
  /** Namespace of the monitoring stack, allowed to scrape the tenant. */
  readonly monitoringNamespace: string;
  /** NCCL environment published into the namespace. */
  readonly ncclEnvironment: Record<string, string>;
  /**
   * The tenant guard's bindings: the namespace (privileged for Pod Security) is created or relabelled
   * only once they are in place.
   */
  readonly guard: readonly ITerraformDependable[];
  /** The site's rails: a tenant with `rails` gets its own network per rail. @default - no rails */
  readonly rails?: RailPlan;
  /** Where the inference gateway's proxies run, and the model servers' port: ingress allowed from there. @default - no ingress */
  readonly inferenceIngress?: { readonly namespace: string; readonly port: number };
  /** The in-cluster object gateway (Ceph RGW): bucket claims and egress to it. @default - no object tier in the cluster */
  readonly objectGateway?: ObjectGateway;
}

/** The object gateway tenants reach and claim buckets from. */
export interface ObjectGateway {
  readonly namespace: string;
  /** Labels of the gateway's pods. */
  readonly podLabels: Record<string, string>;
  /** The port the gateway's pods listen on (not the Service's). */
  readonly port: number;
  /** The bucket StorageClass claims name. */
  readonly storageClass: string;
  /** Namespace, not writable by tenants, where each tenant's limits ConfigMap (named after it) lives. */
  readonly limitsNamespace: string;
}

/**
 * A tenant's namespace: Pod Security `privileged` enforced but `restricted` warned and audited,
 * with the tenant guard (a ValidatingAdmissionPolicy bound to every tenant namespace) enforcing
 * restricted plus IPC_LOCK; default-deny network policy with only DNS, own namespace, monitoring
 * scrape, the inference gateway (to model servers) and the object gateway allowed; quotas (GPUs
 * and MIG slices, CPU, memory, storage per tier, buckets; no pods at reserved priorities) sized
 * from its GPU share; container defaults; a LocalQueue to its programme's ClusterQueue; its own
 * network per rail and the NCCL settings; its identity group bound to a namespaced role (never
 * cluster-wide rights).
 */
export class TenantSpace extends Construct {
  readonly namespace: SiteNamespace;
  readonly quota: ResourceQuotaV1;
  readonly localQueue: CustomResource;

  constructor(scope: Construct, id: string, props: TenantSpaceProps) {
    super(scope, id);
    const { site, tenant } = props;
    this.namespace = new SiteNamespace(this, 'namespace', {
      siteId: site.id,
      name: tenant.name,
      // No Pod Security level allows IPC_LOCK without far more; the tenant guard enforces
      // restricted plus IPC_LOCK, and Pod Security still warns and audits restricted.
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityAudit: PodSecurityLevel.RESTRICTED,
      podSecurityReason: `RDMA jobs need IPC_LOCK; the ${ADMISSION_POLICIES.tenantPods} ValidatingAdmissionPolicy enforces restricted plus IPC_LOCK here`,
      labels: { [TENANT_LABEL]: tenant.name, [PROGRAMME_LABEL]: tenant.programme },
      dependsOn: [...props.guard],
    });
    const namespace = this.namespace.resource.metadata.name;
    const metadata = (name: string) => ({ name, namespace, labels: siteLabels(site.id) });

    this.defaultDeny(metadata, props);
    this.quota = new ResourceQuotaV1(this, 'quota', {
      metadata: metadata('tenant-quota'),
      spec: { hard: tenantQuota(site, tenant, Boolean(props.objectGateway)) },
    });
    // Belt and braces beside the tenant guard: no pod at a reserved priority fits the quota.
    new ResourceQuotaV1(this, 'reserved-priorities', {
      metadata: metadata('reserved-priorities'),
      spec: {
        hard: { pods: '0' },
        scopeSelector: { matchExpression: [{ scopeName: 'PriorityClass', operator: 'In', values: [...RESERVED_PRIORITY_CLASSES] }] },
      },
    });
    new LimitRangeV1(this, 'limits', {
      metadata: metadata('container-defaults'),
      spec: { limit: [{ type: 'Container', defaultRequest: DEFAULT_REQUEST, default: DEFAULT_LIMIT }] },
    });
    this.localQueue = new CustomResource(this, 'local-queue', {
      siteId: site.id,
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'LocalQueue',
      metadata: { name: TENANT_QUEUE, namespace },
      spec: { clusterQueue: tenant.programme },
    });
    new ConfigMapV1(this, 'nccl', { metadata: metadata(NCCL_CONFIG_MAP), data: props.ncclEnvironment });
    if (props.rails && tenant.rails && props.rails.rails.length > 0) {
      // Cluster-wide names, so prefixed with the tenant; pods name them bare, from this namespace only.
      const { names } = addRailAttachments(this, { site, rails: props.rails, namespace, namePrefix: tenant.name });
      new ConfigMapV1(this, 'rail-networks', {
        metadata: metadata(RAIL_CONFIG_MAP),
        data: {
          // The value of the pod annotation k8s.v1.cni.cncf.io/networks that attaches every rail.
          networks: railAnnotation(names),
          resources: Object.entries(railResources(site, props.rails))
            .map(([r, n]) => `${r}: ${n}`)
            .join('\n'),
          capabilities: 'IPC_LOCK',
        },
      });
    }
    if (props.objectGateway) {
      // Read by the bucket guard; tenants can read their own ConfigMaps but not this namespace.
      new ConfigMapV1(this, 'object-limits', {
        metadata: { name: tenant.name, namespace: props.objectGateway.limitsNamespace, labels: siteLabels(site.id) },
        data: { storageClass: props.objectGateway.storageClass, maxBucketSize: `${maxBucketGB(site, tenant)}G` },
      });
    }

    const role = new RoleV1(this, 'role', { metadata: metadata(TENANT_ROLE), rule: TENANT_RULES });
    new RoleBindingV1(this, 'role-binding', {
      // The group name is the identity provider's (any text); the binding's name stays fixed.
      metadata: metadata(`${TENANT_ROLE}s`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name },
      subject: [{ kind: 'Group', name: tenant.group, apiGroup: 'rbac.authorization.k8s.io' }],
    });
  }

  private defaultDeny(metadata: (name: string) => Record<string, unknown>, props: TenantSpaceProps): void {
    const nsName = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    new NetworkPolicyV1(this, 'default-deny', {
      metadata: metadata('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new NetworkPolicyV1(this, 'allow-dns', {
      metadata: metadata('allow-dns'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ...nsName('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { port: '53', protocol: 'UDP' },
              { port: '53', protocol: 'TCP' },
            ],
          },
        ],
      },
    });
    new NetworkPolicyV1(this, 'allow-same-namespace', {
      metadata: metadata('allow-same-namespace'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    });
    new NetworkPolicyV1(this, 'allow-monitoring', {
      metadata: metadata('allow-monitoring-scrape'),
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [nsName(props.monitoringNamespace)] }] },
    });
    if (props.inferenceIngress) {
      // The gateway's Envoy proxies reach the model servers, on their port only.
      new NetworkPolicyV1(this, 'allow-inference-gateway', {
        metadata: metadata('allow-inference-gateway'),
        spec: {
          podSelector: { matchExpressions: [{ key: INFERENCE_SERVICE_LABEL, operator: 'Exists' }] },
          policyTypes: ['Ingress'],
          ingress: [
            { from: [nsName(props.inferenceIngress.namespace)], ports: [{ port: String(props.inferenceIngress.port), protocol: 'TCP' }] },
          ],
        },
      });
    }
    if (props.objectGateway) {
      const gateway = props.objectGateway;
      new NetworkPolicyV1(this, 'allow-object-gateway', {
        metadata: metadata('allow-object-gateway'),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ ...nsName(gateway.namespace), podSelector: { matchLabels: gateway.podLabels } }],
              ports: [{ port: String(gateway.port), protocol: 'TCP' }],
            },
          ],
        },
      });
    }
  }
}

/** What tenants may do in their own namespace: run and inspect workloads; read their queue. */
const TENANT_RULES = [
  // Pods are created and deleted, never updated: an update could lift Kueue's scheduling gate.
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['get', 'create'] },
  {
    apiGroups: [''],
    resources: ['services', 'configmaps', 'secrets', 'persistentvolumeclaims'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['events', 'resourcequotas', 'limitranges'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: ['jobset.x-k8s.io'], resources: ['jobsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  {
    apiGroups: ['kubeflow.org'],
    resources: ['pytorchjobs', 'mpijobs'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  {
    apiGroups: ['serving.kserve.io'],
    resources: ['inferenceservices'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  {
    apiGroups: ['objectbucket.io'],
    resources: ['objectbucketclaims'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: ['k8s.cni.cncf.io'], resources: ['network-attachment-definitions'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['kueue.x-k8s.io'], resources: ['workloads', 'localqueues'], verbs: ['get', 'list', 'watch'] },
];

/** Label KServe puts on an InferenceService's pods. */
const INFERENCE_SERVICE_LABEL = 'serving.kserve.io/inferenceservice';

/** PriorityClasses no tenant pod may use. */
export const RESERVED_PRIORITY_CLASSES = [
  PRIORITY_CLASS.system,
  PRIORITY_CLASS.check,
  'system-node-critical',
  'system-cluster-critical',
] as const;

/** A tenant's share of the site's GPUs (0..1). */
function gpuShare(site: Site, tenant: Tenant): number {
  const gpus = siteGpus(site);
  return gpus === 0 ? 0 : tenant.gpus / gpus;
}

/** The largest bucket a tenant may claim, GB: its share of the object tier over MAX_BUCKETS. */
export function maxBucketGB(site: Site, tenant: Tenant): number {
  return Math.floor((site.storage.tiers.objectTB * gpuShare(site, tenant) * 1000) / MAX_BUCKETS);
}

/**
 * Namespace quota: the tenant's GPUs, as whole GPUs and as MIG instances of each profile the site
 * advertises (at most the slices of as many GPUs, and at most what the site has), CPU, memory and
 * storage in proportion to its GPU share, and buckets where the object tier is in the cluster.
 */
export function tenantQuota(site: Site, tenant: Tenant, buckets = false): Record<string, string> {
  const share = gpuShare(site, tenant);
  const cpus = siteCpus(site);
  const memoryGiB = siteMemoryGiB(site);
  const tierTB: Record<(typeof TIERS)[number], number> = {
    scratch: site.storage.tiers.scratchTB,
    datasets: site.storage.tiers.datasetsTB,
    checkpoints: site.storage.tiers.checkpointsTB,
    object: site.storage.tiers.objectTB,
  };
  const storage = Object.fromEntries(
    TIERS.filter((t) => t !== 'object').map((t) => [
      `${t}.storageclass.storage.k8s.io/requests.storage`,
      `${Math.floor(tierTB[t] * share * 1000)}G`,
    ]),
  );
  // Each MIG profile: the slices of as many GPUs as the tenant has, at most what the site has.
  const onSite: Record<string, number> = {};
  const ofTenant: Record<string, number> = {};
  for (const pool of site.nodePools.filter((p) => migActive(site, p))) {
    for (const [profile, perGpu] of Object.entries(pool.mig.profiles ?? {})) {
      const key = `requests.${migResource(profile)}`;
      onSite[key] = (onSite[key] ?? 0) + poolGpus(pool) * perGpu;
      ofTenant[key] = Math.max(ofTenant[key] ?? 0, tenant.gpus * perGpu);
    }
  }
  const mig = Object.fromEntries(Object.keys(onSite).map((k) => [k, String(Math.min(onSite[k], ofTenant[k]))]));
  return {
    [`requests.${GPU_RESOURCE}`]: String(tenant.gpus),
    ...mig,
    'requests.cpu': String(Math.floor(cpus * share)),
    'requests.memory': `${Math.floor(memoryGiB * share)}Gi`,
    persistentvolumeclaims: String(MAX_PVCS),
    ...storage,
    ...(buckets ? { 'count/objectbucketclaims.objectbucket.io': String(MAX_BUCKETS) } : {}),
  };
}
