/**
 * The cluster contract: every name one construct writes and another reads (labels, taints and
 * the tolerations that match them, namespaces, priority classes, queues, ConfigMaps). Defined
 * once here, so that no construct spells another's string.
 */

/** Label keys this project writes on what it creates. */
export const LABEL_PREFIX = 'ai-factory.eu';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdktf' } as const;

/** Labels every object of a site carries. */
export function siteLabels(siteId: string): Record<string, string> {
  return { ...MANAGED_BY, [`${LABEL_PREFIX}/site`]: siteId };
}

/** Annotation on a namespace that needs more than Pod Security `restricted`: why. */
export const POD_SECURITY_REASON_ANNOTATION = `${LABEL_PREFIX}/pod-security-reason`;

// ---------------------------------------------------------------- nodes

/** Node labels published by the node-pool rules; Kueue flavours and topology select on them. */
export const NODE_LABELS = {
  pool: `${LABEL_PREFIX}/pool`,
  gpu: `${LABEL_PREFIX}/gpu`,
  block: `${LABEL_PREFIX}/block`,
  rack: `${LABEL_PREFIX}/rack`,
  /** Set by ops on the node that carries a WAN uplink (value: the uplink's name). */
  uplink: `${LABEL_PREFIX}/uplink`,
  hostname: 'kubernetes.io/hostname',
  /**
   * Set by GPU Feature Discovery on nodes of a multi-node NVLink domain (GB200 NVL72): the domain,
   * as `<cluster UUID>.<clique id>`. Read by the NVLink topology.
   */
  gpuClique: 'nvidia.com/gpu.clique',
  /** Read by the GPU Operator's MIG manager to pick the node's layout. */
  migConfig: 'nvidia.com/mig.config',
} as const;

/** Taint key on every GPU node (value: its pool): only pods that ask for the pool run there. */
export const GPU_POOL_TAINT = `${LABEL_PREFIX}/gpu-pool`;

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: Taint['effect'];
}

/** The taint of a pool's nodes, as its NodeFeatureRule writes it. */
export function poolTaint(pool: string): Taint {
  return { key: GPU_POOL_TAINT, value: pool, effect: 'NoSchedule' };
}

/** What a pod needs to run on one pool's nodes. */
export function poolToleration(pool: string): Toleration {
  return { key: GPU_POOL_TAINT, operator: 'Equal', value: pool, effect: 'NoSchedule' };
}

/**
 * What node agents need to run on every GPU node, whatever its pool: the GPU Operator's operands,
 * the Network Operator's, NFD's worker, the Ceph CSI node plugin. Also the taint NVIDIA's own
 * tooling uses for GPU nodes.
 */
export const GPU_NODE_AGENT_TOLERATIONS: readonly Toleration[] = [
  { key: GPU_POOL_TAINT, operator: 'Exists', effect: 'NoSchedule' },
  { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
];

// ---------------------------------------------------------------- workloads

/** Namespace of the Phase 1 acceptance jobs and, in Phase 2, the periodic health checks. */
export const ACCEPTANCE_NAMESPACE = 'factory-acceptance';
/** Namespace label the acceptance ClusterQueue selects. */
export const ACCEPTANCE_NAMESPACE_LABEL = `${LABEL_PREFIX}/acceptance`;
/** Label of every acceptance check's pods and Service. */
export const CHECK_LABEL = `${LABEL_PREFIX}/check`;
/** Namespace label of every tenant's namespace (value: the tenant); the tenant guards select on it. */
export const TENANT_LABEL = `${LABEL_PREFIX}/tenant`;
/** ValidatingAdmissionPolicies (and their bindings) that hold tenant namespaces. */
export const ADMISSION_POLICIES = {
  /** Tenant pods: Pod Security restricted plus IPC_LOCK, and the fleet's own limits. */
  tenantPods: 'factory-tenant-pods',
  /** Any tenant object: no reserved Kueue priority. */
  tenantPriorities: 'factory-tenant-priorities',
  /** Tenant Services: ClusterIP only, no external IPs. */
  tenantServices: 'factory-tenant-services',
  /** Tenant object bucket claims: the bucket class, and a size within the tenant's share. */
  tenantBuckets: 'factory-tenant-buckets',
} as const;
/** Namespace of the tenants' limits that admission reads and tenants must not write (object-tier limits). */
export const TENANT_LIMITS_NAMESPACE = 'factory-tenant-limits';
/** Namespace label naming a tenant's access programme; its ClusterQueue selects on it. */
export const PROGRAMME_LABEL = `${LABEL_PREFIX}/programme`;

/** PriorityClass names, from most to least important. */
export const PRIORITY_CLASS = {
  system: 'factory-system',
  production: 'factory-production',
  /** Checks that must not be evicted and must never evict: high, non-preempting. */
  check: 'factory-check',
  preemptible: 'factory-preemptible',
} as const;

/** The RuntimeClass (and containerd handler) the GPU Operator's toolkit registers. */
export const NVIDIA_RUNTIME_CLASS = 'nvidia';

/** Kueue names shared by the queues, the checks and the tenants. */
export const KUEUE = {
  cohort: 'factory',
  topology: 'factory-topology',
  /** Topology of pools whose NVLink domain spans nodes: block > NVLink domain > host. */
  nvlinkTopology: 'factory-topology-nvlink',
  /**
   * Suffix of the flavor of a pool on the NVLink topology. A ResourceFlavor's topology cannot change
   * once set, so a pool that moves onto that topology gets a new flavor rather than an edited one.
   */
  nvlinkFlavorSuffix: '-nvlink',
  /** ClusterQueue and LocalQueue of the acceptance checks and health checks. */
  acceptanceQueue: 'acceptance',
  /**
   * ClusterQueue and LocalQueue of the checks that need one pod per node but not a node's GPUs
   * (inventory, RDMA pairs, storage clients): its flavors are not topology-aware, because Kueue's
   * topology-aware placement packs pods by capacity and ignores their anti-affinity.
   */
  spreadQueue: 'acceptance-spread',
  /** Suffix of the pool flavors without topology the spread queue uses. */
  spreadFlavorSuffix: '-spread',
  /** The LocalQueue of every tenant namespace: Kueue also defaults jobs without a queue label to it. */
  tenantQueue: 'default',
  queueNameLabel: 'kueue.x-k8s.io/queue-name',
  priorityClassLabel: 'kueue.x-k8s.io/priority-class',
  /** Workload priority class of the checks. */
  acceptancePriority: 'acceptance',
} as const;

/** Multus annotation listing the secondary networks (NetworkAttachmentDefinitions) a pod attaches. */
export const MULTUS_NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

/** ConfigMaps one construct writes and others mount or read. */
export const CONFIG_MAPS = {
  nccl: 'nccl-settings',
  wanUplinks: 'wan-uplinks',
  acceptanceScripts: 'acceptance-scripts',
  /** The pools' MIG layouts, created by the GPU Operator chart. */
  migLayouts: 'factory-mig-layouts',
} as const;
