import { Construct } from 'constructs';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { healthCheckNodes, type Fleet, type NodePool, type RailPlan, type Site } from '../../config';
import { migActive } from '../gpu/gpu-resources';
import { CustomResource } from '../custom-resource';
import { NCCL_CONFIG_MAP } from '../fabric/fabric-settings';
import {
  CHECK_LABEL,
  CONFIG_MAPS,
  GPU_NODE_AGENT_TOLERATIONS,
  KUEUE,
  LABEL_PREFIX,
  NODE_LABELS,
  NVIDIA_RUNTIME_CLASS,
  poolToleration,
  PRIORITY_CLASS,
  siteLabels,
} from '../contract';
import { ALLREDUCE_PY, DCGM_DIAG_SH, GPU_PERF_PY, INVENTORY_SH, RDMA_PAIRS_SH, STORAGE_SH, WAN_SH } from './private/acceptance-scripts';

export { ACCEPTANCE_NAMESPACE, CHECK_LABEL } from '../contract';
const SCRIPTS_CONFIG_MAP = CONFIG_MAPS.acceptanceScripts;
/** Storage clients per tier; each must reach its share of the tier's threshold. */
const STORAGE_CLIENTS = 8;
const STORAGE_VOLUME = '200Gi';
const RENDEZVOUS_PORT = 29500;
/** Parallel iperf3 streams of the WAN check. */
const WAN_STREAMS = 16;
/** Where each RDMA check pod tells its peers which node it is on. */
const NAME_EXCHANGE_PORT = 29501;
const NOBODY = 65534;

/** When each check runs once a site is in production (UTC); the heavy ones on Sundays. */
export const HEALTH_CHECK_SCHEDULES = {
  inventory: '0 2 * * *',
  wan: '30 2 * * *',
  dcgm: '0 3 * * 0',
  gpuPerf: '30 3 * * 0',
  rdma: '0 4 * * 0',
  nccl: '0 5 * * 0',
  storage: '0 6 * * 0',
} as const;
export type CheckKind = keyof typeof HEALTH_CHECK_SCHEDULES;

type Obj = Record<string, unknown>;

interface Check {
  readonly name: string;
  readonly kind: CheckKind;
  /** What must hold, in words, for the Job's annotation. */
  readonly threshold: string;
  readonly completions: number;
  readonly indexed: boolean;
  /** Pods find each other by DNS through a headless Service. */
  readonly rendezvous?: boolean;
  readonly podAnnotations?: Record<string, string>;
  readonly pod: Obj;
  /**
   * The Kueue queue: `acceptance` (topology-aware, for checks that take GPUs), `spread` (for one
   * pod per node without GPUs, which topology-aware placement would pack onto a few nodes), or
   * none: the WAN check uses no GPU and runs on a gateway that need not be in a pool.
   * @default 'acceptance'
   */
  readonly queue?: 'acceptance' | 'spread' | 'none';
}

/** How long a run of each check may take before it counts as failed: a hung run never blocks the next. */
const DEADLINE_SECONDS: Record<CheckKind, number> = {
  inventory: 15 * 60,
  wan: 15 * 60,
  dcgm: 3 * 3600,
  gpuPerf: 60 * 60,
  rdma: 60 * 60,
  nccl: 60 * 60,
  storage: 60 * 60,
};

/**
 * Checks that must not run at the same time: the fabric checks share the rails and the spine, the
 * storage checks the storage back end. A lane is enforced by required pod anti-affinity across the
 * whole cluster (topology key kubernetes.io/os, which every node shares) against the other checks
 * of the lane: one waits until the other has finished, instead of both measuring each other.
 */
export const CHECK_LANES: Partial<Record<CheckKind, string>> = { rdma: 'fabric', nccl: 'fabric', storage: 'storage' };
export const LANE_LABEL = `${LABEL_PREFIX}/check-lane`;

export interface AcceptanceChecksProps {
  readonly site: Site;
  readonly images: Fleet['images'];
  readonly rails: RailPlan;
  /** Namespace the checks run in (privileged, for the reasons each check states). */
  readonly namespace: string;
  /** The StorageClass each storage tier's check writes to (reclaim Delete), by tier. */
  readonly storageClasses: Readonly<Record<string, string>>;
}

/**
 * Phase 1 acceptance: for every pool an inventory check on each node, DCGM diagnostics, an NCCL
 * all-reduce across the pool and RDMA bandwidth between node pairs on every rail; a throughput
 * check per WAN uplink and per storage tier. Thresholds come from config. All go through the
 * `acceptance` Kueue queue like any workload. In Phase 2 the same checks become CronJobs.
 */
export class AcceptanceChecks extends Construct {
  readonly checks: readonly Check[];

  constructor(scope: Construct, id: string, props: AcceptanceChecksProps) {
    super(scope, id);
    const { site, namespace } = props;
    const labels = siteLabels(site.id);
    new ConfigMapV1(this, 'scripts', {
      metadata: { name: SCRIPTS_CONFIG_MAP, namespace, labels },
      data: {
        'inventory.sh': INVENTORY_SH,
        'dcgm-diag.sh': DCGM_DIAG_SH,
        'gpu-perf.py': GPU_PERF_PY,
        'allreduce.py': ALLREDUCE_PY,
        'rdma-pairs.sh': RDMA_PAIRS_SH,
        'wan.sh': WAN_SH,
        'storage.sh': STORAGE_SH,
      },
    });
    // Construct ids are Terraform addresses: 'local-queue' predates the spread queue.
    for (const [rid, queue] of [
      ['local-queue', KUEUE.acceptanceQueue],
      ['spread-queue', KUEUE.spreadQueue],
    ] as const) {
      new CustomResource(this, rid, {
        siteId: site.id,
        apiVersion: 'kueue.x-k8s.io/v1beta2',
        kind: 'LocalQueue',
        metadata: { name: queue, namespace },
        spec: { clusterQueue: queue },
      });
    }

    // Phase 1 burns in every node of every pool, MIG pools with whole GPUs. Phase 2 checks the
    // nodes the health-check reserve holds each week (one per pool, two on the rails), on pools
    // whose GPUs are whole; inventory still looks at every node.
    const phase1 = site.phase === 1;
    const burnIn = (pool: NodePool) => phase1 || !migActive(site, pool);
    const nodesOf = (pool: NodePool) => (phase1 ? pool.nodes : healthCheckNodes(pool, site.interconnect.railsPerNode));
    // Storage clients run where the data is read: on the GPU nodes of the largest pool.
    const clients = [...site.nodePools].sort((a, b) => b.nodes - a.nodes)[0];
    this.checks = [
      ...site.nodePools.map((pool) => inventoryCheck(props, pool)),
      ...site.nodePools.filter((p) => burnIn(p) && nodesOf(p) > 0).map((pool) => dcgmCheck(props, pool, nodesOf(pool))),
      ...site.nodePools.filter((p) => burnIn(p) && nodesOf(p) > 0).map((pool) => gpuPerfCheck(props, pool, nodesOf(pool))),
      ...props.rails.pools.filter((p) => burnIn(p) && nodesOf(p) >= 2).map((pool) => ncclCheck(props, pool, nodesOf(pool))),
      ...props.rails.pools
        .filter((p) => nodesOf(p) >= 2 || (!phase1 && p.nodes >= 2))
        .map((pool) => rdmaCheck(props, pool, phase1 ? pool.nodes : 2)),
      ...site.interconnect.uplinks.map((uplink) => wanCheck(props, uplink)),
      ...Object.entries(props.storageClasses).map(([tier, storageClass]) => storageCheck(props, tier, storageClass, clients)),
    ];
    for (const check of this.checks) {
      if (check.rendezvous) {
        new ServiceV1(this, `${check.name}-peers`, {
          metadata: { name: check.name, namespace, labels },
          spec: {
            clusterIp: 'None',
            publishNotReadyAddresses: true,
            selector: { [CHECK_LABEL]: check.name },
            port: [{ name: 'rendezvous', port: RENDEZVOUS_PORT }],
          },
        });
      }
      new CustomResource(this, check.name, workload(site, namespace, check));
    }
  }
}

/** The Job (Phase 1) or CronJob (Phase 2) of a check. */
function workload(site: Site, namespace: string, check: Check): ConstructorParameters<typeof CustomResource>[2] {
  const queue = { acceptance: KUEUE.acceptanceQueue, spread: KUEUE.spreadQueue, none: undefined }[check.queue ?? 'acceptance'];
  const kueueLabels = {
    ...(queue ? { [KUEUE.queueNameLabel]: queue, [KUEUE.priorityClassLabel]: KUEUE.acceptancePriority } : {}),
    [CHECK_LABEL]: check.name,
  };
  const lane = CHECK_LANES[check.kind];
  const antiAffinity = ((check.pod.affinity as Obj | undefined)?.podAntiAffinity ?? {}) as Obj;
  const affinity = lane
    ? {
        podAntiAffinity: {
          ...antiAffinity,
          requiredDuringSchedulingIgnoredDuringExecution: [
            ...((antiAffinity.requiredDuringSchedulingIgnoredDuringExecution as unknown[]) ?? []),
            {
              labelSelector: {
                matchExpressions: [
                  { key: LANE_LABEL, operator: 'In', values: [lane] },
                  { key: CHECK_LABEL, operator: 'NotIn', values: [check.name] },
                ],
              },
              topologyKey: 'kubernetes.io/os',
            },
          ],
        },
      }
    : undefined;
  const jobSpec = {
    ...(check.indexed ? { completionMode: 'Indexed' } : {}),
    completions: check.completions,
    parallelism: check.completions,
    // A failed check is a verdict, not something to retry; a hung one fails at its deadline.
    backoffLimit: 0,
    activeDeadlineSeconds: DEADLINE_SECONDS[check.kind],
    template: {
      metadata: {
        labels: { [CHECK_LABEL]: check.name, ...(lane ? { [LANE_LABEL]: lane } : {}) },
        ...(check.podAnnotations ? { annotations: check.podAnnotations } : {}),
      },
      spec: {
        ...check.pod,
        // Beside production on nodes the checks do not own: they wait for room instead of evicting.
        ...(check.queue === 'spread' ? { priorityClassName: PRIORITY_CLASS.check } : {}),
        ...(affinity ? { affinity } : {}),
        ...(check.rendezvous ? { subdomain: check.name } : {}),
      },
    },
  };
  const metadata = { name: check.name, namespace, labels: kueueLabels, annotations: { [`${LABEL_PREFIX}/threshold`]: check.threshold } };
  if (site.phase === 1) {
    // Kueue unsuspends the Job when it admits it. The WAN check, outside Kueue, waits suspended
    // for ops to label the uplink's gateway and unsuspend it (README).
    return {
      siteId: site.id,
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata,
      spec: { ...jobSpec, suspend: true },
      computedFields: ['spec.suspend', 'spec.selector', 'spec.template.metadata.labels'],
    };
  }
  return {
    siteId: site.id,
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata,
    spec: {
      schedule: HEALTH_CHECK_SCHEDULES[check.kind],
      timeZone: 'Etc/UTC',
      // A run still waiting (not admitted, or its pods not placed) gives way to the next one
      // instead of blocking every later run.
      concurrencyPolicy: 'Replace',
      // A run that could not start within an hour of its slot is skipped, not started late.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: { metadata: { labels: kueueLabels }, spec: jobSpec },
    },
  };
}

const env = (vars: Record<string, string | number>) => Object.entries(vars).map(([name, value]) => ({ name, value: String(value) }));
const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const NODE_NAME_ENV = fieldEnv('NODE_NAME', 'spec.nodeName');
const JOB_NAME_ENV = fieldEnv('JOB_NAME', "metadata.labels['batch.kubernetes.io/job-name']");
const scriptsVolume = { name: 'scripts', configMap: { name: SCRIPTS_CONFIG_MAP, defaultMode: 0o555 } };
const scriptsMount = { name: 'scripts', mountPath: '/checks', readOnly: true };
const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

function resources(cpu: string, memory: string, extra: Record<string, string | number> = {}): Obj {
  const amounts = { cpu, memory, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) };
  return { requests: amounts, limits: amounts };
}

/** Pod placement on a pool: its label, its taint, one pod per node when `spread`. */
function onPool(pool: NodePool, check: string, spread: boolean): Obj {
  return {
    nodeSelector: { [NODE_LABELS.pool]: pool.name },
    tolerations: [poolToleration(pool.name)],
    ...(spread
      ? {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { [CHECK_LABEL]: check } }, topologyKey: NODE_LABELS.hostname },
              ],
            },
          },
        }
      : {}),
  };
}

function basePod(containers: Obj[], extra: Obj = {}): Obj {
  return {
    restartPolicy: 'Never',
    priorityClassName: PRIORITY_CLASS.system,
    securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    volumes: [scriptsVolume],
    containers,
    ...extra,
  };
}

function inventoryCheck({ images }: AcceptanceChecksProps, pool: NodePool): Check {
  const name = `inventory-${pool.name}`;
  return {
    name,
    queue: 'spread',
    kind: 'inventory',
    indexed: true,
    completions: pool.nodes,
    threshold: `${pool.gpusPerNode} x ${pool.gpu.id} and ${pool.nicsPerNode} fabric ports on each of ${pool.nodes} nodes`,
    pod: basePod(
      [
        {
          name: 'inventory',
          image: images.cuda,
          command: ['sh', '/checks/inventory.sh'],
          // Sees every GPU of the node through the NVIDIA runtime without claiming any.
          env: [
            NODE_NAME_ENV,
            ...env({
              NVIDIA_VISIBLE_DEVICES: 'all',
              GPU_MODEL: pool.gpu.smiName,
              EXPECTED_GPUS: pool.gpusPerNode,
              EXPECTED_NICS: pool.nicsPerNode,
            }),
          ],
          resources: resources('100m', '256Mi'),
          securityContext: { ...restricted, runAsNonRoot: true, runAsUser: NOBODY },
          volumeMounts: [scriptsMount],
        },
      ],
      { runtimeClassName: NVIDIA_RUNTIME_CLASS, ...onPool(pool, name, true) },
    ),
  };
}

function dcgmCheck({ images, site }: AcceptanceChecksProps, pool: NodePool, nodes: number): Check {
  const name = `dcgm-diag-${pool.name}`;
  return {
    name,
    kind: 'dcgm',
    indexed: true,
    completions: nodes,
    threshold: `dcgmi diag -r ${site.acceptance.dcgmDiagLevel} passes on each of ${nodes} nodes`,
    pod: basePod(
      [
        {
          name: 'dcgm-diag',
          image: images.dcgm,
          command: ['sh', '/checks/dcgm-diag.sh'],
          env: [NODE_NAME_ENV, ...env({ DCGM_LEVEL: site.acceptance.dcgmDiagLevel })],
          resources: resources('4', '16Gi', { 'nvidia.com/gpu': pool.gpusPerNode }),
          // DCGM's host engine needs SYS_ADMIN for its diagnostic and profiling tests.
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } },
          volumeMounts: [scriptsMount],
        },
      ],
      onPool(pool, name, true),
    ),
  };
}

/** Thresholds of the per-GPU performance check: sustained reality (catalogue) times the fleet margin. */
export function gpuPerfThresholds(pool: NodePool, margin: number): { minTflops: number; minTBps: number } {
  const { gpu } = pool;
  return {
    minTflops: Math.round(gpu.bf16DenseTflops * gpu.sustained.bf16Fraction * margin * 10) / 10,
    minTBps: Math.round(gpu.memoryBandwidthTBps * gpu.sustained.copyFraction * margin * 100) / 100,
  };
}

function gpuPerfCheck({ images, site }: AcceptanceChecksProps, pool: NodePool, nodes: number): Check {
  const name = `gpu-perf-${pool.name}`;
  const { minTflops, minTBps } = gpuPerfThresholds(pool, site.acceptance.gpuPerformanceMargin);
  return {
    name,
    kind: 'gpuPerf',
    indexed: true,
    completions: nodes,
    threshold: `every ${pool.gpu.id}: BF16 GEMM >= ${minTflops} TFLOP/s and device copy >= ${minTBps} TB/s`,
    pod: basePod(
      [
        {
          name: 'gpu-perf',
          image: images.pytorch,
          command: ['python', '/checks/gpu-perf.py'],
          env: [NODE_NAME_ENV, ...env({ MIN_TFLOPS: minTflops, MIN_TBPS: minTBps, HOME: '/tmp' })],
          resources: resources('8', '64Gi', { 'nvidia.com/gpu': pool.gpusPerNode }),
          securityContext: { ...restricted, runAsNonRoot: true, runAsUser: NOBODY },
          volumeMounts: [scriptsMount],
        },
      ],
      onPool(pool, name, true),
    ),
  };
}

/** Rail networks, RDMA devices and memory pinning for a pod that talks over the fabric. */
function fabricAccess(props: AcceptanceChecksProps): { annotations: Record<string, string>; resources: Record<string, number> } {
  const { site, rails } = props;
  const sriov = site.interconnect.devicePlugin === 'sriov';
  return {
    annotations: { 'k8s.v1.cni.cncf.io/networks': rails.rails.map((r) => `default/${r.name}`).join(',') },
    resources: sriov ? Object.fromEntries(rails.rails.map((r) => [`nvidia.com/rail_${r.index}`, 1])) : { 'rdma/rdma_rails': 1 },
  };
}

// RDMA registers (pins) memory: IPC_LOCK lifts the memlock limit. Nothing else is added.
const RDMA_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } };

function ncclCheck(props: AcceptanceChecksProps, pool: NodePool, nodes: number): Check {
  const { images, site } = props;
  const name = `nccl-allreduce-${pool.name}`;
  const fabric = fabricAccess(props);
  const torchrun =
    `torchrun --nnodes=${nodes} --nproc-per-node=${pool.gpusPerNode} --node-rank=$JOB_COMPLETION_INDEX ` +
    `--master-addr=$JOB_NAME-0.${name} --master-port=${RENDEZVOUS_PORT} /checks/allreduce.py`;
  return {
    name,
    kind: 'nccl',
    indexed: true,
    completions: nodes,
    rendezvous: true,
    threshold: `all-reduce bus bandwidth >= ${site.acceptance.ncclBusBwGBps} GB/s across ${nodes} nodes`,
    // Keep the ranks inside as few leaf blocks as the pool allows.
    podAnnotations: { ...fabric.annotations, 'kueue.x-k8s.io/podset-preferred-topology': NODE_LABELS.block },
    pod: basePod(
      [
        {
          name: 'allreduce',
          image: images.pytorch,
          command: ['sh', '-c', torchrun],
          env: [JOB_NAME_ENV, ...env({ MIN_BUSBW_GBPS: site.acceptance.ncclBusBwGBps })],
          envFrom: [{ configMapRef: { name: NCCL_CONFIG_MAP } }],
          resources: resources('16', '128Gi', { 'nvidia.com/gpu': pool.gpusPerNode, ...fabric.resources }),
          securityContext: RDMA_SECURITY,
          volumeMounts: [scriptsMount, { name: 'shm', mountPath: '/dev/shm' }],
        },
      ],
      { ...onPool(pool, name, true), volumes: [scriptsVolume, { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '64Gi' } }] },
    ),
  };
}

function rdmaCheck(props: AcceptanceChecksProps, pool: NodePool, nodes: number): Check {
  const { images, site, rails } = props;
  const name = `rdma-pairs-${pool.name}`;
  const fabric = fabricAccess(props);
  return {
    name,
    queue: 'spread',
    kind: 'rdma',
    indexed: true,
    completions: nodes - (nodes % 2),
    rendezvous: true,
    threshold: `ib_write_bw >= ${site.acceptance.rdmaLinkGbps} Gb/s per rail between ${(nodes - (nodes % 2)) / 2} node pairs across racks and blocks`,
    podAnnotations: fabric.annotations,
    pod: basePod(
      [
        {
          name: 'ib-write-bw',
          image: images.acceptanceTools,
          command: ['sh', '/checks/rdma-pairs.sh'],
          env: [
            NODE_NAME_ENV,
            JOB_NAME_ENV,
            ...env({
              SUBDOMAIN: name,
              MIN_GBPS: site.acceptance.rdmaLinkGbps,
              RAIL_HCAS: rails.rails.map((r) => r.hca).join(' '),
              PAIR_PODS: nodes - (nodes % 2),
              NAME_PORT: NAME_EXCHANGE_PORT,
              RACKS_PER_BLOCK: pool.racks.perBlock,
            }),
          ],
          resources: resources('2', '4Gi', fabric.resources),
          securityContext: RDMA_SECURITY,
          volumeMounts: [scriptsMount],
        },
      ],
      onPool(pool, name, true),
    ),
  };
}

function wanCheck({ images, site }: AcceptanceChecksProps, uplink: Site['interconnect']['uplinks'][number]): Check {
  const minGbps = Math.floor(uplink.gbps * site.acceptance.wanUplinkFraction);
  return {
    name: `wan-${uplink.name}`,
    kind: 'wan',
    indexed: false,
    completions: 1,
    threshold: `iperf3 to ${uplink.peer} (${uplink.endpoint}) >= ${minGbps} Gb/s of ${uplink.gbps} contracted`,
    queue: 'none',
    pod: basePod(
      [
        {
          name: 'iperf3',
          image: images.acceptanceTools,
          command: ['sh', '/checks/wan.sh'],
          env: env({ UPLINK: uplink.name, ENDPOINT: uplink.endpoint, MIN_GBPS: minGbps, CONTRACT_GBPS: uplink.gbps, STREAMS: WAN_STREAMS }),
          // iperf3 3.16+ runs a thread per stream: two cores per stream for the stack and interrupts.
          resources: resources(String(WAN_STREAMS * 2), '16Gi'),
          securityContext: { ...restricted, runAsNonRoot: true, runAsUser: NOBODY },
          volumeMounts: [scriptsMount],
        },
      ],
      {
        // From the host network of the node that carries the uplink (ops label it
        // ai-factory.eu/uplink=<name>): through the real route, not the pod network's SNAT.
        hostNetwork: true,
        dnsPolicy: 'ClusterFirstWithHostNet',
        nodeSelector: { [NODE_LABELS.uplink]: uplink.name },
        tolerations: [...GPU_NODE_AGENT_TOLERATIONS],
      },
    ),
  };
}

function storageCheck({ images, site }: AcceptanceChecksProps, tier: string, storageClass: string, clients: NodePool): Check {
  const name = `storage-${tier}`;
  const perClient = Math.round((site.acceptance.storageReadGBps / STORAGE_CLIENTS) * 100) / 100;
  return {
    name,
    queue: 'spread',
    kind: 'storage',
    indexed: true,
    completions: STORAGE_CLIENTS,
    threshold: `sequential read >= ${site.acceptance.storageReadGBps} GB/s over ${STORAGE_CLIENTS} clients on ${tier}`,
    pod: basePod(
      [
        {
          name: 'fio',
          image: images.acceptanceTools,
          command: ['sh', '/checks/storage.sh'],
          env: env({ TIER: tier, MIN_GBPS: perClient }),
          resources: resources('4', '8Gi'),
          securityContext: { ...restricted, runAsNonRoot: true, runAsUser: NOBODY },
          volumeMounts: [scriptsMount, { name: 'data', mountPath: '/data' }],
        },
      ],
      {
        ...onPool(clients, name, true),
        securityContext: { seccompProfile: { type: 'RuntimeDefault' }, fsGroup: NOBODY },
        // A fresh volume per client in the tier's Delete-class twin: nothing outlives the check.
        volumes: [
          scriptsVolume,
          {
            name: 'data',
            ephemeral: {
              volumeClaimTemplate: {
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: storageClass,
                  resources: { requests: { storage: STORAGE_VOLUME } },
                },
              },
            },
          },
        ],
      },
    ),
  };
}
