import { Construct } from 'constructs';
import { PriorityClassV1 } from '@cdktf/provider-kubernetes/lib/priority-class-v1';
import { RuntimeClassV1 } from '@cdktf/provider-kubernetes/lib/runtime-class-v1';
import { NVIDIA_RUNTIME_CLASS, PRIORITY_CLASS, siteLabels } from '../contract';

/** The NVIDIA container runtime handler the GPU Operator's toolkit registers with containerd. */
export const NVIDIA_RUNTIME_HANDLER = NVIDIA_RUNTIME_CLASS;

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

/** The NVIDIA RuntimeClass and the fleet's PriorityClasses. */
export class WorkloadClasses extends Construct {
  readonly runtimeClass: RuntimeClassV1;

  constructor(scope: Construct, id: string, props: WorkloadClassesProps) {
    super(scope, id);
    const labels = siteLabels(props.siteId);
    this.runtimeClass = new RuntimeClassV1(this, 'nvidia-runtime', {
      metadata: { name: NVIDIA_RUNTIME_CLASS, labels },
      handler: NVIDIA_RUNTIME_HANDLER,
    });
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
