import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Construct } from 'constructs';
import { PROGRAMMES, healthCheckReserveGpus, nvlinkDomainNodes, poolGpus, type NodePool, type Programme, type Site } from '../../config';
import { gpuResources, migActive } from '../gpu/gpu-resources';
import { CustomResource } from '../custom-resource';
import { liveObjects } from '../live-guard';
import { ACCEPTANCE_NAMESPACE_LABEL, KUEUE, NODE_LABELS, poolToleration, PROGRAMME_LABEL } from '../contract';
import { splitProportionally } from './private/quota-split';

const KUEUE_API = 'kueue.x-k8s.io/v1beta2';
export const COHORT = KUEUE.cohort;
export const TOPOLOGY = KUEUE.topology;

/** Terraform expression: the quota each ClusterQueue `q` (from a kubernetes_resources list) has reserved on `flavor`, as quantity strings. */
function reservedOn(q: string, flavor: string): string {
  return `try(flatten([for f in ${q}.status.flavorsReservation : [for r in f.resources : tostring(r.total)] if f.name == ${JSON.stringify(flavor)}]), [])`;
}

/**
 * Terraform condition: no ClusterQueue among `list` (as the kubernetes_resources data source lists
 * them) has quota reserved on flavor `flavor`, i.e. no admitted or reserving Workload holds it.
 * ClusterQueues are cluster-scoped and few, so one list covers every namespace.
 */
export function flavorIdleCondition(list: string, flavor: string): string {
  return `\${alltrue([for q in ${list} : alltrue([for t in ${reservedOn('q', flavor)} : t == "0"])])}`;
}

/** Terraform template: the ClusterQueues among `list` that hold quota on `flavor`. */
export function queuesHolding(list: string, flavor: string): string {
  return `\${join(", ", [for q in ${list} : q.metadata.name if !alltrue([for t in ${reservedOn('q', flavor)} : t == "0"])])}`;
}

/** The flavor of a pool's GPUs: its name, or on a multi-node NVLink pool, its NVLink-topology flavor. */
export function poolFlavor(pool: NodePool): string {
  return nvlinkDomainNodes(pool) === undefined ? pool.name : `${pool.name}${KUEUE.nvlinkFlavorSuffix}`;
}
/** ClusterQueue of the acceptance checks (Phase 1: every pool) and health checks (Phase 2: a reserve). */
export const ACCEPTANCE_QUEUE = KUEUE.acceptanceQueue;
/** ClusterQueue of the checks that spread one pod per node without GPUs. */
export const SPREAD_QUEUE = KUEUE.spreadQueue;
/** Per node of a pool, what the spread checks may hold at once: an inventory pod (100m, 256Mi) and an RDMA pod (2 cores, 4 GiB). */
const SPREAD_CHECK_NODE = { cpus: 2.1, memoryGiB: 4.25 } as const;
/** Per pool, the storage clients (8 x 4 cores, 8 GiB). */
const SPREAD_CHECK_EXTRA = { cpus: 32, memoryGiB: 64 } as const;
export { PROGRAMME_LABEL } from '../contract';

/** Workload priorities, highest first: acceptance preempts borrowed production work. */
export const WORKLOAD_PRIORITIES = {
  acceptance: { value: 100_000, description: 'Acceptance checks and periodic health checks.' },
  production: { value: 10_000, description: 'Production training and inference within a programme quota.' },
  standard: { value: 1_000, description: 'Default for admitted projects.' },
  preemptible: { value: 100, description: 'Best-effort work on borrowed capacity; preempted first.' },
} as const;

export interface KueueQueuesProps {
  readonly site: Site;
}

/**
 * Kueue for a site: a Topology (block, rack, host), a ResourceFlavor per GPU pool on it (on a
 * second topology, block > NVLink domain > host, for pools whose NVLink domain spans nodes), one
 * ClusterQueue per access programme in one cohort with fair sharing and nominal quotas from config
 * split over the pools by size, and the acceptance queue. Plus the workload priority classes.
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/
 */
export class KueueQueues extends Construct {
  readonly clusterQueues: Record<string, CustomResource> = {};
  readonly flavors: CustomResource[] = [];

  constructor(scope: Construct, id: string, props: KueueQueuesProps) {
    super(scope, id);
    const { site } = props;
    const cr = (rid: string, kind: string, name: string, spec: Record<string, unknown>, body?: Record<string, unknown>) =>
      new CustomResource(this, rid, { siteId: site.id, apiVersion: KUEUE_API, kind, metadata: { name }, spec, body });

    cr('topology', 'Topology', TOPOLOGY, {
      levels: [{ nodeLabel: NODE_LABELS.block }, { nodeLabel: NODE_LABELS.rack }, { nodeLabel: NODE_LABELS.hostname }],
    });
    // An NVL72 rack is one NVLink domain; GPU Feature Discovery names it on each tray. With the
    // domain as a level, a job asks to stay inside one (podset-required-topology: the clique
    // label). Kueue does not combine DRA with topology placement, so ComputeDomains (IMEX
    // channels across the trays) are not requested here.
    if (site.nodePools.some((pool) => nvlinkDomainNodes(pool) !== undefined)) {
      cr('topology-nvlink', 'Topology', KUEUE.nvlinkTopology, {
        levels: [{ nodeLabel: NODE_LABELS.block }, { nodeLabel: NODE_LABELS.gpuClique }, { nodeLabel: NODE_LABELS.hostname }],
      });
    }
    // A pool moving onto the NVLink topology leaves its old flavor: once that is deleted, Kueue
    // forgets the quota and the nodes its running workloads hold, and would admit new ones onto
    // busy trays. So the plan stops while any ClusterQueue still holds quota on the old flavor.
    let queues: DataKubernetesResources | undefined;
    for (const pool of site.nodePools) {
      const nvlink = nvlinkDomainNodes(pool) !== undefined;
      const flavor = cr(`flavor-${poolFlavor(pool)}`, 'ResourceFlavor', poolFlavor(pool), {
        nodeLabels: { [NODE_LABELS.pool]: pool.name },
        tolerations: [poolToleration(pool.name)],
        topologyName: nvlink ? KUEUE.nvlinkTopology : TOPOLOGY,
      });
      if (nvlink) {
        queues ??= new DataKubernetesResources(this, 'live-queues', { apiVersion: KUEUE_API, kind: 'ClusterQueue' });
        const list = liveObjects(queues);
        flavor.resource.addOverride('lifecycle.precondition', [
          {
            condition: flavorIdleCondition(list, pool.name),
            error_message: `ClusterQueues ${queuesHolding(list, pool.name)} hold quota on flavor ${pool.name}, which pool ${pool.name} leaves for ${poolFlavor(pool)} (NVLink topology): deleting the flavor under their workloads would let Kueue admit new work onto the same nodes. Deploy once those workloads have finished; to get there, set stopPolicy: Hold on the ClusterQueues, wait, deploy, then remove it.`,
          },
        ]);
      }
      this.flavors.push(flavor);
      cr(`flavor-${pool.name}-spread`, 'ResourceFlavor', `${pool.name}${KUEUE.spreadFlavorSuffix}`, {
        nodeLabels: { [NODE_LABELS.pool]: pool.name },
        tolerations: [poolToleration(pool.name)],
      });
    }
    for (const [name, spec] of Object.entries(WORKLOAD_PRIORITIES)) {
      new CustomResource(this, `priority-${name}`, {
        siteId: site.id,
        apiVersion: KUEUE_API,
        kind: 'WorkloadPriorityClass',
        metadata: { name },
        body: spec,
      });
    }

    // One resource group: every GPU resource, CPU and memory. Kueue gives a podset one flavor per
    // resource group, so a topology-placed podset gets its GPUs, CPU and memory from one pool; a
    // whole-GPU request only fits pools that advertise nvidia.com/gpu, a MIG request only pools
    // with that profile. Every flavor is on the topology, so a workload without a topology
    // annotation is placed as unconstrained (Kueue's implicit TAS); a queue mixing TAS and non-TAS
    // flavors would turn those away. CPU-only work runs on the pool nodes it is admitted to. RDMA
    // resources are not quota (Kueue's excludeResourcePrefixes).
    const resourcesOf = (pool: NodePool) => gpuResources(pool, migActive(site, pool));
    const gpuKinds = [...new Set(site.nodePools.flatMap((p) => Object.keys(resourcesOf(p))))].sort();
    const covered = [...gpuKinds, 'cpu', 'memory'];
    const reserve = healthCheckReserveGpus(site);
    /** Each pool's GPUs the programmes share: all but what the health checks keep. */
    const sharedByPool = site.nodePools.map((pool, i) => poolGpus(pool) - reserve[i]);

    /** Quotas of one flavor: each covered resource scaled by the pool's share `fraction`, optionally with a borrowing limit. */
    const poolQuotas = (pool: NodePool, fraction: number, borrowFraction?: number) =>
      covered.map((name) => {
        const capacity =
          name === 'cpu'
            ? pool.nodes * pool.allocatable.cpus
            : name === 'memory'
              ? pool.nodes * pool.allocatable.memoryGiB
              : (resourcesOf(pool)[name] ?? 0);
        const format = (n: number) => (name === 'memory' ? `${n}Gi` : n);
        return {
          name,
          nominalQuota: format(Math.floor(capacity * fraction)),
          ...(borrowFraction === undefined ? {} : { borrowingLimit: format(Math.floor(capacity * borrowFraction)) }),
        };
      });
    const group = (byPool: (pool: NodePool, i: number) => unknown[]) => [
      { coveredResources: covered, flavors: site.nodePools.map((pool, i) => ({ name: poolFlavor(pool), resources: byPool(pool, i) })) },
    ];

    const queue = (name: string, namespaceSelector: Record<string, unknown>, groups: unknown[]) => {
      this.clusterQueues[name] = cr(`queue-${name}`, 'ClusterQueue', name, {
        cohortName: COHORT,
        namespaceSelector,
        queueingStrategy: 'BestEffortFIFO',
        fairSharing: { weight: '1' },
        preemption: { reclaimWithinCohort: 'Any', borrowWithinCohort: { policy: 'LowerPriority' }, withinClusterQueue: 'LowerPriority' },
        resourceGroups: groups,
      });
    };
    const acceptanceOwnsAll = site.phase === 1;
    for (const programme of PROGRAMMES) {
      const quota = site.programmes[programme as Programme];
      const nominalByPool = splitProportionally(quota.gpus, sharedByPool);
      const borrowByPool = splitProportionally(quota.borrowingLimitGpus ?? 0, sharedByPool);
      queue(
        programme,
        { matchLabels: { [PROGRAMME_LABEL]: programme } },
        group((pool, i) =>
          // Phase 1: the pools belong to acceptance; the programme queues exist, empty, for Phase 2.
          acceptanceOwnsAll
            ? poolQuotas(pool, 0, 0)
            : poolQuotas(pool, nominalByPool[i] / poolGpus(pool), borrowByPool[i] / poolGpus(pool)),
        ),
      );
    }
    // Phase 1: acceptance owns every pool whole (no tenants yet). Phase 2: it owns the nodes the
    // weekly health checks use, which the programme quotas leave out, and may borrow what is idle.
    queue(
      ACCEPTANCE_QUEUE,
      { matchLabels: { [ACCEPTANCE_NAMESPACE_LABEL]: 'true' } },
      group((pool, i) => poolQuotas(pool, acceptanceOwnsAll ? 1 : reserve[i] / poolGpus(pool))),
    );
    // The checks that spread one pod per node without taking its GPUs go through a queue whose
    // flavors are not topology-aware (so the scheduler's anti-affinity spreads them), with CPU
    // and memory for every node of every pool: an inventory pod, an RDMA pod and a storage client.
    queue(SPREAD_QUEUE, { matchLabels: { [ACCEPTANCE_NAMESPACE_LABEL]: 'true' } }, [
      {
        coveredResources: ['cpu', 'memory'],
        flavors: site.nodePools.map((pool) => ({
          name: `${pool.name}${KUEUE.spreadFlavorSuffix}`,
          resources: [
            { name: 'cpu', nominalQuota: Math.ceil(pool.nodes * SPREAD_CHECK_NODE.cpus + SPREAD_CHECK_EXTRA.cpus) },
            { name: 'memory', nominalQuota: `${Math.ceil(pool.nodes * SPREAD_CHECK_NODE.memoryGiB + SPREAD_CHECK_EXTRA.memoryGiB)}Gi` },
          ],
        })),
      },
    ]);
  }
}
