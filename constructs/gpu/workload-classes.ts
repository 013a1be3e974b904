import { Construct } from 'constructs';
import { PriorityClassV1 } from '@cdktf/provider-kubernetes/lib/priority-class-v1';
import { ForgetResource } from '../forget';
import { PRIORITY_CLASS, siteLabels } from '../contract';

/** Logical id of the RuntimeClass this stack created before the GPU Operator owned it alone. */
const FORMER_RUNTIME_CLASS_ID = 'workload-classes_nvidia-runtime_5733DCEB';

/** Priorities, from most to least important; all below the system-* classes (2e9). */
export const PRIORITY_CLASSES = {
  [PRIORITY_CLASS.system]: {
    value: 1_000_000,
    preempting: true,
    description: 'Platform services of the AI factory (acceptance, health checks, serving control plane).',
  },
  [PRIORITY_CLASS.check]: {
    value: 1_000_000,
    preempting: false,
    description:
      'Checks that run beside production (per-node inventory, RDMA pairs, storage clients): never evicted by it, never evicting it.',
  },
  [PRIORITY_CLASS.production]: { value: 10_000, preempting: true, description: 'Production training and inference of admitted projects.' },
  [PRIORITY_CLASS.preemptible]: {
    value: 100,
    preempting: false,
    description: 'Best-effort and borrowed capacity: preempted first, never preempts.',
  },
} as const;

export interface WorkloadClassesProps {
  readonly siteId: string;
}

/**
 * The fleet's PriorityClasses. The `nvidia` RuntimeClass belongs to the GPU Operator, which creates
 * and reconciles it (`operator.runtimeClass`); this stack once created it too, and now lets go of
 * it without deleting it.
 */
export class WorkloadClasses extends Construct {
  constructor(scope: Construct, id: string, props: WorkloadClassesProps) {
    super(scope, id);
    const labels = siteLabels(props.siteId);
    new ForgetResource(this, 'nvidia-runtime-handover', `kubernetes_runtime_class_v1.${FORMER_RUNTIME_CLASS_ID}`);
    for (const [name, spec] of Object.entries(PRIORITY_CLASSES)) {
      new PriorityClassV1(this, name, {
        metadata: { name, labels },
        value: spec.value,
        description: spec.description,
        preemptionPolicy: spec.preempting ? 'PreemptLowerPriority' : 'Never',
        globalDefault: false,
      });
    }
  }
}
