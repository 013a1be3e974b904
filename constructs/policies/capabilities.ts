import { LABEL_PREFIX } from '../contract';
import { judge, notApplicable, type PolicyRule } from './policy';
import { workloadOf } from './workloads';

/**
 * Capabilities acceptance checks may add, and why; nothing else may add any. The documented
 * exceptions of this rule.
 */
export const ACCEPTANCE_CAPABILITY_EXCEPTIONS: Readonly<Record<string, string>> = {
  IPC_LOCK: 'RDMA and NCCL checks register (pin) memory with the HCA',
  SYS_ADMIN: "DCGM diagnostics run the host engine's diagnostic and profiling tests",
};

/** Containers drop ALL capabilities; only acceptance checks add the documented exceptions. */
export const capabilitiesDropped: PolicyRule = {
  id: 'capabilities-dropped',
  mirrors: 'Checkov CKV_K8S_28, CKV_K8S_37, CKV_K8S_39; Pod Security Standards restricted (capabilities)',
  fix: `set securityContext.capabilities.drop: [ALL]; add only ${Object.keys(ACCEPTANCE_CAPABILITY_EXCEPTIONS).join(' or ')} and only in acceptance checks`,
  check({ type, config }) {
    const workload = workloadOf(type, config);
    if (!workload) return notApplicable;
    const isAcceptance = `${LABEL_PREFIX}/check` in workload.labels;
    const problems: string[] = [];
    for (const c of workload.containers) {
      const caps = c.securityContext?.capabilities;
      if (!caps?.drop?.includes('ALL'))
        problems.push(`${workload.kind} ${workload.name} container ${c.name} does not drop ALL capabilities`);
      const added = (caps?.add ?? []).filter((cap) => !(isAcceptance && cap in ACCEPTANCE_CAPABILITY_EXCEPTIONS));
      if (added.length) problems.push(`${workload.kind} ${workload.name} container ${c.name} adds ${added.join(', ')}`);
    }
    return judge(problems);
  },
};
