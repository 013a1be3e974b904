import { judge, notApplicable, type PolicyRule } from './policy';
import { workloadOf } from './workloads';

/** Every container requests and limits CPU and memory. */
export const containerResources: PolicyRule = {
  id: 'container-resources',
  mirrors: 'Checkov CKV_K8S_10, CKV_K8S_11, CKV_K8S_12, CKV_K8S_13; kube-linter unset-cpu-requirements, unset-memory-requirements',
  fix: 'set resources.requests and resources.limits for cpu and memory on the container',
  check({ type, config }) {
    const workload = workloadOf(type, config);
    if (!workload) return notApplicable;
    const problems: string[] = [];
    for (const c of workload.containers) {
      for (const kind of ['requests', 'limits'] as const) {
        const missing = ['cpu', 'memory'].filter((r) => !c.resources?.[kind]?.[r]);
        if (missing.length) problems.push(`${workload.kind} ${workload.name} container ${c.name} has no ${kind} for ${missing.join(', ')}`);
      }
    }
    return judge(problems);
  },
};
