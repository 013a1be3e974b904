import { Construct } from 'constructs';
import { PROGRAMMES, poolGpus, siteCpus, siteGpus, siteMemoryGiB, type NodePool, type Programme, type Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { ACCEPTANCE_NAMESPACE_LABEL, KUEUE, NODE_LABELS, poolToleration, PROGRAMME_LABEL } from '../contract';
import { splitProportionally } from './private/quota-split';

const KUEUE_API = 'kueue.x-k8s.io/v1beta2';
export const COHORT = KUEUE.cohort;
export const TOPOLOGY = KUEUE.topology;
/** ClusterQueue of the acceptance checks and health checks: no quota of its own, borrows idle capacity. */
export const ACCEPTANCE_QUEUE = KUEUE.acceptanceQueue;
/** Flavor for CPU and memory, which every pool's nodes have; GPUs are per-pool flavors. */
export const CPU_FLAVOR = KUEUE.cpuFlavor;
export { PROGRAMME_LABEL } from '../contract';

/** Workload priorities, highest first: acceptance preempts borrowed production work. */
export const WORKLOAD_PRIORITIES = {
  acceptance: { value: 100_000, description: 'Acceptance checks and periodic health checks.' },
  production: { value: 10_000, description: 'Production training and inference within a programme quota.' },
  standard: { value: 1_000, description: 'Default for admitted projects.' },
  preemptible: { value: 100, description: 'Best-effort work on borrowed capacity; preempted first.' },
} as const;

/** Resources a pool's GPUs are requested as: nvidia.com/gpu, or nvidia.com/mig-<profile> on mixed MIG pools. */
export function gpuResources(pool: NodePool): Record<string, number> {
  const gpus = poolGpus(pool);
  if (pool.mig.strategy === 'none') return { 'nvidia.com/gpu': gpus };
  const profiles = Object.entries(pool.mig.profiles ?? {});
  // With the single strategy each MIG instance is advertised as one nvidia.com/gpu.
  if (pool.mig.strategy === 'single') return { 'nvidia.com/gpu': gpus * profiles.reduce((n, [, count]) => n + count, 0) };
  return Object.fromEntries(profiles.map(([profile, count]) => [`nvidia.com/mig-${profile}`, gpus * count]));
}

export interface KueueQueuesProps {
  readonly site: Site;
}

/**
 * Kueue for a site: a Topology (block, rack, host), a ResourceFlavor per GPU pool, one ClusterQueue
 * per access programme in one cohort with fair sharing, nominal quotas from config split over the
 * pools by size, and an acceptance queue that only borrows. Plus the workload priority classes.
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
    for (const pool of site.nodePools) {
      this.flavors.push(
        cr(`flavor-${pool.name}`, 'ResourceFlavor', pool.name, {
          nodeLabels: { [NODE_LABELS.pool]: pool.name },
          tolerations: [poolToleration(pool.name)],
          topologyName: TOPOLOGY,
        }),
      );
    }
    cr('flavor-cpu-memory', 'ResourceFlavor', CPU_FLAVOR, {});
    for (const [name, spec] of Object.entries(WORKLOAD_PRIORITIES)) {
      new CustomResource(this, `priority-${name}`, {
        siteId: site.id,
        apiVersion: KUEUE_API,
        kind: 'WorkloadPriorityClass',
        metadata: { name },
        body: spec,
      });
    }

    const gpuPools = site.nodePools.filter((p) => p.mig.strategy !== 'mixed');
    const migPools = site.nodePools.filter((p) => p.mig.strategy === 'mixed');
    const migResources = [...new Set(migPools.flatMap((p) => Object.keys(gpuResources(p))))];
    const totalGpus = siteGpus(site);
    const totalCpus = siteCpus(site);
    const totalMemoryGiB = siteMemoryGiB(site);

    /** Quotas of one queue given its GPUs (nominal and borrowing), split over pools by size. */
    const resourceGroups = (gpus: number, borrowGpus: number | undefined) => {
      const nominalByPool = splitProportionally(gpus, site.nodePools.map(poolGpus));
      const borrowByPool = borrowGpus === undefined ? undefined : splitProportionally(borrowGpus, site.nodePools.map(poolGpus));
      const share = (pool: NodePool, byPool: number[]) => byPool[site.nodePools.indexOf(pool)] / poolGpus(pool);
      const quotas = (pool: NodePool, resource: string) => {
        const capacity = gpuResources(pool)[resource] ?? 0;
        return {
          name: resource,
          nominalQuota: Math.round(capacity * share(pool, nominalByPool)),
          ...(borrowByPool ? { borrowingLimit: Math.round(capacity * share(pool, borrowByPool)) } : {}),
        };
      };
      const fraction = totalGpus === 0 ? 0 : gpus / totalGpus;
      return [
        ...(gpuPools.length
          ? [
              {
                coveredResources: ['nvidia.com/gpu'],
                flavors: gpuPools.map((p) => ({ name: p.name, resources: [quotas(p, 'nvidia.com/gpu')] })),
              },
            ]
          : []),
        ...(migPools.length
          ? [
              {
                coveredResources: migResources,
                flavors: migPools.map((p) => ({ name: p.name, resources: migResources.map((r) => quotas(p, r)) })),
              },
            ]
          : []),
        {
          coveredResources: ['cpu', 'memory'],
          flavors: [
            {
              name: CPU_FLAVOR,
              resources: [
                { name: 'cpu', nominalQuota: Math.floor(totalCpus * fraction) },
                { name: 'memory', nominalQuota: `${Math.floor(totalMemoryGiB * fraction)}Gi` },
              ],
            },
          ],
        },
      ];
    };

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
    for (const programme of PROGRAMMES) {
      const quota = site.programmes[programme as Programme];
      queue(programme, { matchLabels: { [PROGRAMME_LABEL]: programme } }, resourceGroups(quota.gpus, quota.borrowingLimitGpus ?? 0));
    }
    // Acceptance owns nothing and may borrow everything idle (no borrowing limit).
    queue(ACCEPTANCE_QUEUE, { matchLabels: { [ACCEPTANCE_NAMESPACE_LABEL]: 'true' } }, resourceGroups(0, undefined));
  }
}
