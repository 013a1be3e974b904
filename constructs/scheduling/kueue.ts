import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { ChartPin, Site } from '../../config';
import { OperatorRelease } from '../operator-release';

/** Resources Kueue leaves out of quota: the rails' RDMA devices. */
export const RDMA_RESOURCE_PREFIXES = ['rdma/', 'nvidia.com/rail_'] as const;

/** How long a multi-node job may wait for all its pods before Kueue evicts and requeues it: long enough for a first pull of a 20 GB image on every node at once. */
const PODS_READY_TIMEOUT = '30m';

export interface KueueProps {
  readonly site: Site;
  /** The pinned kueue chart. */
  readonly chart: ChartPin;
  /** Releases whose CRDs this one's values create objects of (e.g. ServiceMonitor): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
}

/**
 * The Kueue controller Configuration: the chart's defaults, plus fair sharing between the
 * programme queues of a cohort and all-or-nothing admission for multi-node jobs.
 * @see https://kueue.sigs.k8s.io/docs/reference/kueue-config.v1beta2/
 */
export function kueueConfiguration(): Record<string, unknown> {
  return {
    apiVersion: 'config.kueue.x-k8s.io/v1beta2',
    kind: 'Configuration',
    health: { healthProbeBindAddress: ':8081' },
    metrics: { bindAddress: ':8443' },
    webhook: { port: 9443 },
    leaderElection: { leaderElect: true, resourceName: 'c1f6bfd2.kueue.x-k8s.io' },
    controller: {
      groupKindConcurrency: {
        'Job.batch': 5,
        Pod: 5,
        'Workload.kueue.x-k8s.io': 10,
        'LocalQueue.kueue.x-k8s.io': 5,
        'ClusterQueue.kueue.x-k8s.io': 5,
        'ResourceFlavor.kueue.x-k8s.io': 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    // A workload whose pods never all start is requeued with back-off three times, then
    // deactivated: a check that cannot be placed ends instead of looping.
    waitForPodsReady: {
      timeout: PODS_READY_TIMEOUT,
      blockAdmission: false,
      requeuingStrategy: { timestamp: 'Eviction', backoffLimitCount: 3, backoffBaseSeconds: 60, backoffMaxSeconds: 3600 },
    },
    // RDMA devices are shared (rdma/rdma_rails) or one VF per rail per pod (nvidia.com/rail_<n>):
    // not a quota anyone holds, so Kueue admits without counting them.
    resources: { excludeResourcePrefixes: [...RDMA_RESOURCE_PREFIXES] },
    integrations: {
      frameworks: [
        'batch/job',
        'kubeflow.org/mpijob',
        'ray.io/rayjob',
        'ray.io/rayservice',
        'ray.io/raycluster',
        'jobset.x-k8s.io/jobset',
        'kubeflow.org/pytorchjob',
        'workload.codeflare.dev/appwrapper',
        'trainer.kubeflow.org/trainjob',
        'pod',
        'deployment',
        'statefulset',
        'leaderworkerset.x-k8s.io/leaderworkerset',
      ],
    },
    fairSharing: { preemptionStrategies: ['LessThanOrEqualToFinalShare', 'LessThanInitialShare'] },
  };
}

/**
 * Kueue: job queueing, quotas per programme and topology-aware placement. Its flavours and
 * queues live in the platform stack.
 * @see https://kueue.sigs.k8s.io/docs/installation/
 */
export class Kueue extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: KueueProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      after: props.after,
      values: {
        enablePrometheus: true,
        managerConfig: { controllerManagerConfigYaml: stringify(kueueConfiguration()) },
      },
    });
  }
}
