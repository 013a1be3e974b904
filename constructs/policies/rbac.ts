import { judge, notApplicable, type PolicyRule, type ResourceView } from './policy';

const BINDINGS = new Set([
  'kubernetes_cluster_role_binding_v1',
  'kubernetes_cluster_role_binding',
  'kubernetes_role_binding_v1',
  'kubernetes_role_binding',
]);
const CLUSTER_ROLES = new Set(['kubernetes_cluster_role_v1', 'kubernetes_cluster_role']);
const READ_VERBS = new Set(['get', 'list', 'watch']);

const first = <T>(value: T | T[] | undefined): T | undefined => (Array.isArray(value) ? value[0] : value);
const listOf = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Resources no cluster-wide reader may read: credentials, and wildcards that include them. */
const SECRET_RESOURCES = new Set(['secrets', '*']);

/** Is `name` a ClusterRole of this stack that only reads (get, list, watch), and no secrets? */
function readOnlyClusterRole(name: string | undefined, stack: readonly ResourceView[]): boolean {
  const role = stack.find((r) => CLUSTER_ROLES.has(r.type) && first(r.config.metadata as { name?: string })?.name === name);
  const rules = listOf(role?.config.rule as { verbs?: string[]; resources?: string[]; api_groups?: string[] }[] | undefined);
  return (
    role !== undefined &&
    rules.length > 0 &&
    rules.every(
      (r) =>
        (r.verbs ?? []).every((v) => READ_VERBS.has(v)) &&
        (r.resources ?? []).length > 0 &&
        !(r.resources ?? []).some((x) => SECRET_RESOURCES.has(x)) &&
        !(r.api_groups ?? []).includes('*'),
    )
  );
}

/**
 * Nobody is bound to cluster-admin, and no person or group (tenants included) gets a cluster-wide
 * binding. The platform's own ServiceAccounts may be bound cluster-wide only to a read-only
 * ClusterRole the same stack defines, that reads no secrets (e.g. the inventory check reading
 * Node objects).
 */
export const noClusterAdmin: PolicyRule = {
  id: 'no-cluster-admin',
  mirrors: 'CIS Kubernetes Benchmark 5.1.1; kube-linter cluster-admin-role-binding',
  fix: 'bind a namespaced Role with only the verbs needed (cluster-wide: only ServiceAccounts, to a read-only ClusterRole defined beside the binding)',
  check({ type, config }, context) {
    if (!BINDINGS.has(type)) return notApplicable;
    const roleRef = first(config.role_ref as { kind?: string; name?: string } | { kind?: string; name?: string }[] | undefined);
    const name = JSON.stringify(first(config.metadata as { name?: string })?.name);
    const problems: string[] = [];
    if (roleRef?.name === 'cluster-admin') problems.push(`binding ${name} grants cluster-admin`);
    if (type.startsWith('kubernetes_cluster_role_binding')) {
      const subjects = listOf(config.subject as { kind?: string }[] | undefined);
      const serviceAccountsOnly = subjects.length > 0 && subjects.every((s) => s.kind === 'ServiceAccount');
      if (!serviceAccountsOnly || !readOnlyClusterRole(roleRef?.name, context?.stackResources ?? [])) {
        problems.push(`cluster-wide binding ${name} (allowed only for ServiceAccounts, to a read-only ClusterRole of the same stack)`);
      }
    }
    return judge(problems);
  },
};
