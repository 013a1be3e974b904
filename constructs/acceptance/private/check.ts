/**
 * A check and how it runs: its Kubernetes workload (a Job in Phase 1, a CronJob in Phase 2), its
 * Kueue queue and priority, its deadline, and the lane that keeps it from overlapping checks that
 * would measure it.
 */
import type { Site } from '../../../config';
import type { CustomResource } from '../../custom-resource';
import { CHECK_LABEL, KUEUE, LABEL_PREFIX, PRIORITY_CLASS } from '../../contract';

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

export interface Check {
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

/** The Job (Phase 1) or CronJob (Phase 2) of a check. */
export function workload(site: Site, namespace: string, check: Check): ConstructorParameters<typeof CustomResource>[2] {
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
