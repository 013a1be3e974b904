import { Construct } from 'constructs';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { RoleV1 } from '@cdktf/provider-kubernetes/lib/role-v1';
import { siteCpus, siteGpus, siteMemoryGiB, type Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { PROGRAMME_LABEL } from '../scheduling/kueue-queues';
import { NCCL_CONFIG_MAP } from '../fabric/fabric-settings';
import { PodSecurityLevel, SiteNamespace } from '../namespace';
import { LABEL_PREFIX, siteLabels } from '../contract';
import { TIERS } from '../storage/storage-tiers';

/** The LocalQueue every tenant namespace has; jobs set `kueue.x-k8s.io/queue-name: default`. */
export const TENANT_QUEUE = 'default';
export const TENANT_ROLE = 'tenant-member';
export const TENANT_LABEL = `${LABEL_PREFIX}/tenant`;
const MAX_PVCS = 200;
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
}

/**
 * A tenant's namespace: Pod Security restricted, default-deny network policy with only DNS, own
 * namespace and monitoring scrape allowed, quotas (GPUs, CPU, memory, storage per tier) sized
 * from its GPU share, container defaults, a LocalQueue to its programme's ClusterQueue, the NCCL
 * settings, and its identity group bound to a namespaced role (never cluster-wide rights).
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
      podSecurity: PodSecurityLevel.RESTRICTED,
      labels: { [TENANT_LABEL]: tenant.name, [PROGRAMME_LABEL]: tenant.programme },
    });
    const namespace = this.namespace.resource.metadata.name;
    const metadata = (name: string) => ({ name, namespace, labels: siteLabels(site.id) });

    this.defaultDeny(metadata, props.monitoringNamespace);
    this.quota = new ResourceQuotaV1(this, 'quota', { metadata: metadata('tenant-quota'), spec: { hard: tenantQuota(site, tenant) } });
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

    const role = new RoleV1(this, 'role', { metadata: metadata(TENANT_ROLE), rule: TENANT_RULES });
    new RoleBindingV1(this, 'role-binding', {
      // The group name is the identity provider's (any text); the binding's name stays fixed.
      metadata: metadata(`${TENANT_ROLE}s`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name },
      subject: [{ kind: 'Group', name: tenant.group, apiGroup: 'rbac.authorization.k8s.io' }],
    });
  }

  private defaultDeny(metadata: (name: string) => Record<string, unknown>, monitoringNamespace: string): void {
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
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [nsName(monitoringNamespace)] }] },
    });
  }
}

/** What tenants may do in their own namespace: run and inspect workloads; read their queue. */
const TENANT_RULES = [
  {
    apiGroups: [''],
    resources: ['pods', 'pods/log', 'pods/exec', 'pods/portforward', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims'],
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
  { apiGroups: ['kueue.x-k8s.io'], resources: ['workloads', 'localqueues'], verbs: ['get', 'list', 'watch'] },
];

/** Namespace quota: the tenant's GPUs, and CPU, memory and storage in proportion to its GPU share. */
export function tenantQuota(site: Site, tenant: Tenant): Record<string, string> {
  const gpus = siteGpus(site);
  const share = gpus === 0 ? 0 : tenant.gpus / gpus;
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
  return {
    'requests.nvidia.com/gpu': String(tenant.gpus),
    'requests.cpu': String(Math.floor(cpus * share)),
    'requests.memory': `${Math.floor(memoryGiB * share)}Gi`,
    persistentvolumeclaims: String(MAX_PVCS),
    ...storage,
  };
}
