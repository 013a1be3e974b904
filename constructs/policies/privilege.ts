import { judge, notApplicable, type PolicyRule } from './policy';
import { workloadOf } from './workloads';

/** No privileged containers, no privilege escalation. */
export const noPrivilege: PolicyRule = {
  id: 'no-privilege',
  mirrors: 'Checkov CKV_K8S_16, CKV_K8S_20; Pod Security Standards baseline (privileged) and restricted (allowPrivilegeEscalation)',
  fix: 'remove privileged: true and set securityContext.allowPrivilegeEscalation: false',
  check({ type, config }) {
    const workload = workloadOf(type, config);
    if (!workload) return notApplicable;
    return judge(
      workload.containers
        .filter((c) => c.securityContext?.privileged === true || c.securityContext?.allowPrivilegeEscalation !== false)
        .map((c) => `${workload.kind} ${workload.name} container ${c.name} may gain privileges`),
    );
  },
};
