import { Construct } from 'constructs';
import { PriorityClassV1 } from '@cdktf/provider-kubernetes/lib/priority-class-v1';
import { RuntimeClassV1 } from '@cdktf/provider-kubernetes/lib/runtime-class-v1';
import { siteLabels } from '../private/labels';

/** The NVIDIA container runtime handler the GPU Operator's toolkit registers with containerd. */
export const NVIDIA_RUNTIME_HANDLER = 'nvidia';

/** Priorities, from most to least important; all below the system-* classes (2e9). */
export const PRIORITY_CLASSES = {
  'factory-system': {
    value: 1_000_000,
    preempting: true,
    description: 'Platform services of the AI factory (acceptance, health checks, serving control plane).',
  },
  'factory-production': { value: 10_000, preempting: true, description: 'Production training and inference of admitted projects.' },
  'factory-preemptible': {
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
      metadata: { name: 'nvidia', labels },
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
