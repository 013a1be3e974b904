import { judge, notApplicable, type PolicyRule } from './policy';
import { workloadOf } from './workloads';

/** Images name an exact version, never `latest` or no tag at all. */
export const imageTagPinned: PolicyRule = {
  id: 'image-tag-pinned',
  mirrors: 'Checkov CKV_K8S_14, kube-linter latest-tag',
  fix: 'pin the image to a version tag in config/fleet.yaml images',
  check({ type, config }) {
    const workload = workloadOf(type, config);
    if (!workload) return notApplicable;
    return judge(
      workload.containers
        .filter((c) => !c.image || !/:[\w][\w.-]*$/.test(c.image.split('/').pop() ?? '') || c.image.endsWith(':latest'))
        .map((c) => `${workload.kind} ${workload.name} container ${c.name} uses image "${c.image ?? ''}"`),
    );
  },
};
