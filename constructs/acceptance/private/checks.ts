/**
 * The checks themselves: what each one runs, where (pool, node spread, host network), with which
 * resources and privileges, and the threshold it reports against.
 */
import { type Fleet, type NodePool, nvlinkDomainNodes, type RailPlan, type Site } from '../../../config';
import { NCCL_CONFIG_MAP } from '../../fabric/fabric-settings';
import {
  CHECK_LABEL,
  CONFIG_MAPS,
  GPU_NODE_AGENT_TOLERATIONS,
  MULTUS_NETWORKS_ANNOTATION,
  NODE_LABELS,
  poolToleration,
  PRIORITY_CLASS,
} from '../../contract';
import type { Check } from './check';
import { railAnnotation, railResources } from '../../fabric/rail-networks';
import { migActive } from '../../gpu/gpu-resources';

/** What the check builders read. */
export interface CheckInputs {
  readonly site: Site;
  readonly images: Fleet['images'];
  readonly rails: RailPlan;
}

type Obj = Record<string, unknown>;

export const SCRIPTS_CONFIG_MAP = CONFIG_MAPS.acceptanceScripts;
/** Storage clients per tier; each must reach its share of the tier's threshold. */
const STORAGE_CLIENTS = 8;
const STORAGE_VOLUME = '200Gi';
export const RENDEZVOUS_PORT = 29500;
/** Parallel iperf3 streams of the WAN check. */
const WAN_STREAMS = 16;
/** Where each RDMA check pod tells its peers which node it is on. */
const NAME_EXCHANGE_PORT = 29501;
const NOBODY = 65534;

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

/** ServiceAccount of the inventory check: reads Node objects, nothing else. */
export const NODE_READER = 'node-reader';

export function inventoryCheck({ images, site, rails }: CheckInputs, pool: NodePool): Check {
  const name = `inventory-${pool.name}`;
  const onRails = rails.pools.some((p) => p.name === pool.name);
  return {
    name,
    queue: 'spread',
    kind: 'inventory',
    indexed: true,
    completions: pool.nodes,
    threshold: `${pool.gpusPerNode} x ${pool.gpu.id} and ${pool.nicsPerNode} fabric ports on each of ${pool.nodes} nodes${
      onRails ? `, every rail HCA active at ${site.interconnect.linkGbps} Gb/s` : ''
    }${allocatableThreshold(pool)}${nvlinkDomainNodes(pool) ? `, ${nvlinkDomainNodes(pool)} nodes in each NVLink domain` : ''}`,
    pod: basePod(
      [
        {
          name: 'inventory',
          image: images.pytorch,
          command: ['python3', '/checks/inventory.py'],
          env: [
            NODE_NAME_ENV,
            ...env({
              GPU_MODEL: pool.gpu.smiName,
              EXPECTED_GPUS: pool.gpusPerNode,
              EXPECTED_NICS: pool.nicsPerNode,
              // MIG pools advertise slices, not whole GPUs, once their layout applies.
              WHOLE_GPUS: String(!migActive(site, pool)),
              // Rail nodes: containers must be allowed to lock memory without limit, and every rail's
              // HCA must be up at the fabric's rate.
              MIN_MEMLOCK_KIB: onRails ? 'unlimited' : '',
              RAIL_HCAS: onRails ? rails.rails.map((r) => r.hca).join(',') : '',
              LINK_GBPS: onRails ? site.interconnect.linkGbps : 0,
              // What Kueue's and the tenants' quotas count of the node, where it is known (not a guess).
              MIN_CPUS: pool.guessed.cpus ? '' : pool.allocatable.cpus,
              MIN_MEMORY_GIB: pool.guessed.memoryGiB ? '' : pool.allocatable.memoryGiB,
              MAX_MEMORY_GIB: pool.guessed.memoryGiB ? '' : pool.memoryGiBPerNode,
              // Multi-node NVLink pools: the node's domain (clique label) holds all its trays.
              NVLINK_DOMAIN_NODES: nvlinkDomainNodes(pool) ?? '',
            }),
          ],
          resources: resources('100m', '256Mi'),
          securityContext: { ...restricted, runAsNonRoot: true, runAsUser: NOBODY },
          volumeMounts: [scriptsMount],
        },
      ],
      { serviceAccountName: NODE_READER, ...onPool(pool, name, true) },
    ),
  };
}

export function dcgmCheck({ images, site }: CheckInputs, pool: NodePool, nodes: number): Check {
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

export function gpuPerfCheck({ images, site }: CheckInputs, pool: NodePool, nodes: number): Check {
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

/** The allocatable CPUs and memory the inventory requires, where the node's size is known. */
function allocatableThreshold(pool: NodePool): string {
  const known = [
    pool.guessed.cpus ? '' : `${pool.allocatable.cpus} CPUs`,
    pool.guessed.memoryGiB ? '' : `${pool.allocatable.memoryGiB} GiB`,
  ].filter(Boolean);
  return known.length ? `, at least ${known.join(' and ')} allocatable` : '';
}

/** Rail networks, RDMA devices and memory pinning for a pod that talks over the fabric. */
function fabricAccess(props: CheckInputs): { annotations: Record<string, string>; resources: Record<string, number> } {
  const { site, rails } = props;
  // The rails' NetworkAttachmentDefinitions live in the checks' own namespace.
  return {
    annotations: { [MULTUS_NETWORKS_ANNOTATION]: railAnnotation(rails.rails.map((r) => r.name)) },
    resources: railResources(site, rails),
  };
}

// RDMA registers (pins) memory: IPC_LOCK lifts the memlock limit. Nothing else is added.
const RDMA_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } };

export function ncclCheck(props: CheckInputs, pool: NodePool, nodes: number): Check {
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

export function rdmaCheck(props: CheckInputs, pool: NodePool, nodes: number): Check {
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

export function wanCheck({ images, site }: CheckInputs, uplink: Site['interconnect']['uplinks'][number]): Check {
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

export function storageCheck({ images, site }: CheckInputs, tier: string, storageClass: string, clients: NodePool): Check {
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
