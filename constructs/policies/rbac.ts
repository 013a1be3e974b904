import { judge, notApplicable, type PolicyRule } from './policy';

const BINDINGS = new Set([
  'kubernetes_cluster_role_binding_v1',
  'kubernetes_cluster_role_binding',
  'kubernetes_role_binding_v1',
  'kubernetes_role_binding',
]);

/** Nobody is bound to cluster-admin, and tenants get no cluster-wide binding at all. */
export const noClusterAdmin: PolicyRule = {
  id: 'no-cluster-admin',
  mirrors: 'CIS Kubernetes Benchmark 5.1.1; kube-linter cluster-admin-role-binding',
  fix: 'bind a namespaced Role with only the verbs needed',
  check({ type, config }) {
    if (!BINDINGS.has(type)) return notApplicable;
    const roleRef = (Array.isArray(config.role_ref) ? config.role_ref[0] : config.role_ref) as { kind?: string; name?: string } | undefined;
    const problems: string[] = [];
    if (roleRef?.name === 'cluster-admin') problems.push(`binding ${JSON.stringify(config.metadata?.name)} grants cluster-admin`);
    if (type.startsWith('kubernetes_cluster_role_binding')) problems.push(`cluster-wide binding ${JSON.stringify(config.metadata?.name)}`);
    return judge(problems);
  },
};
