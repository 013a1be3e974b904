/**
 * A tenant's namespace as the synthesized stacks make it (labels, quotas, Role, network policies,
 * ConfigMaps, networks), and what the cluster does with what a tenant submits there: Pod Security at
 * the enforced level, every bound ValidatingAdmissionPolicy evaluated as CEL, RBAC and network policy.
 */
import { evaluateBinding, type ValidatingAdmissionPolicy, type ValidatingAdmissionPolicyBinding } from '../admission/cel-policy';
import { podSecurityViolations } from '../admission/pod-security';
import { manifestsOf, type Obj, resourcesOf, selects, type SiteOutput } from './output';

const TENANT_LABEL = 'ai-factory.eu/tenant';
const ENFORCE = 'pod-security.kubernetes.io/enforce';

export interface TenantView {
  readonly name: string;
  readonly namespace: Obj;
  readonly labels: Record<string, string>;
  /** The hard limits of its ResourceQuotas without a scope. */
  readonly quota: Record<string, string>;
  readonly scopedQuotas: Obj[];
  readonly roleRules: Obj[];
  readonly networkPolicies: Obj[];
  readonly configMaps: Record<string, Record<string, string>>;
  /** NetworkAttachmentDefinitions the Network Operator creates in the namespace. */
  readonly networks: string[];
}

export const first = <T>(v: T | T[]): T => (Array.isArray(v) ? v[0] : v);

/** A label selector as the Terraform provider writes it (match_labels, match_expressions), in API form. */
function apiSelector(selector: Obj | Obj[] | undefined): Obj {
  const s = first(selector ?? {}) ?? {};
  return {
    matchLabels: s.match_labels ?? s.matchLabels ?? {},
    matchExpressions: (s.match_expressions ?? s.matchExpressions ?? []).map((e: Obj) => ({
      key: e.key,
      operator: e.operator,
      values: e.values,
    })),
  };
}

/** Every tenant namespace of a site with what the tenants stack puts into it. */
export function tenantViews(out: SiteOutput): TenantView[] {
  const inNamespace = (type: string, ns: string) =>
    resourcesOf(out.tenants, type)
      .map(([, r]) => r)
      .filter((r) => first(r.metadata).namespace === ns);
  return resourcesOf(out.tenants, 'kubernetes_namespace_v1')
    .map(([, r]) => first(r.metadata))
    .filter((m) => TENANT_LABEL in (m.labels ?? {}))
    .map((m) => {
      const quotas = inNamespace('kubernetes_resource_quota_v1', m.name);
      return {
        name: m.name,
        namespace: { metadata: { name: m.name, labels: m.labels } },
        labels: m.labels,
        quota: Object.assign({}, ...quotas.filter((q) => !first(q.spec).scope_selector).map((q) => first(q.spec).hard)),
        scopedQuotas: quotas.filter((q) => first(q.spec).scope_selector).map((q) => first(q.spec)),
        roleRules: inNamespace('kubernetes_role_v1', m.name).flatMap((r) => r.rule),
        networkPolicies: inNamespace('kubernetes_network_policy_v1', m.name).map((p) => first(p.spec)),
        configMaps: Object.fromEntries(inNamespace('kubernetes_config_map_v1', m.name).map((c) => [first(c.metadata).name, c.data])),
        networks: manifestsOf(out.tenants)
          .filter((x) => x.spec?.networkNamespace === m.name)
          .map((x) => x.metadata.name),
      };
    });
}

/** ValidatingAdmissionPolicies and their bindings, from every stack of the site. */
export function admissionPolicies(out: SiteOutput): {
  policies: ValidatingAdmissionPolicy[];
  bindings: ValidatingAdmissionPolicyBinding[];
} {
  const all = [out.foundation, out.platform, out.tenants].flatMap(manifestsOf);
  return {
    policies: all.filter((m) => m.kind === 'ValidatingAdmissionPolicy') as ValidatingAdmissionPolicy[],
    bindings: all.filter((m) => m.kind === 'ValidatingAdmissionPolicyBinding') as ValidatingAdmissionPolicyBinding[],
  };
}

/** A tenant guard of the site (the policy and its binding of the same name). */
export function tenantGuard(
  out: SiteOutput,
  name: string,
): { policy: ValidatingAdmissionPolicy; binding: ValidatingAdmissionPolicyBinding } {
  const { policies, bindings } = admissionPolicies(out);
  return { policy: policies.find((p) => p.metadata.name === name)!, binding: bindings.find((b) => b.metadata.name === name)! };
}

/**
 * Why the API server would refuse `object` (a Pod, Job, bucket claim...) created in a tenant's
 * namespace: Pod Security at the enforced level (pods only), then every bound policy, with its
 * parameter resolved in the object's namespace. Empty: admitted.
 */
export function admissionDenials(out: SiteOutput, tenant: TenantView, object: Obj): string[] {
  const denials: string[] = [];
  if (object.kind === 'Pod') {
    const level = tenant.labels[ENFORCE];
    if (level !== 'privileged') denials.push(...podSecurityViolations(level as 'baseline' | 'restricted', object));
  }
  const { policies, bindings } = admissionPolicies(out);
  for (const binding of bindings) {
    const policy = policies.find((p) => p.metadata.name === binding.spec.policyName);
    if (!policy) continue;
    // A paramRef without a namespace reads the parameter from the object's own namespace.
    const paramRef = (binding.spec as Obj).paramRef as { name: string; namespace?: string } | undefined;
    const paramNamespace = paramRef?.namespace ?? tenant.name;
    const data = paramRef ? configMap(out, paramNamespace, paramRef.name) : undefined;
    const params = data ? { data } : undefined;
    const result = evaluateBinding(binding, policy, { object, namespaceObject: tenant.namespace, params });
    // parameterNotFoundAction: Deny refuses whatever the binding matches when the parameter is missing.
    if (paramRef && !params) {
      if (result.applies) denials.push(`${policy.metadata.name}: parameter ConfigMap ${paramRef.name} is missing in ${paramNamespace}`);
      continue;
    }
    if (!result.allowed) denials.push(...result.messages.map((m) => `${policy.metadata.name}: ${m}`));
  }
  return denials;
}

/** The data of a ConfigMap the site's stacks create, by namespace and name. */
export function configMap(out: SiteOutput, namespace: string, name: string): Record<string, string> | undefined {
  return [out.foundation, out.platform, out.tenants]
    .flatMap((stack) => resourcesOf(stack, 'kubernetes_config_map_v1'))
    .map(([, c]) => c)
    .find((c) => first(c.metadata).namespace === namespace && first(c.metadata).name === name)?.data;
}

/** Does the tenant's Role let its members `verb` `resource` of `group`. */
export function roleAllows(tenant: TenantView, group: string, resource: string, verb: string): boolean {
  return tenant.roleRules.some(
    (r) => (r.api_groups ?? []).includes(group) && (r.resources ?? []).includes(resource) && (r.verbs ?? []).includes(verb),
  );
}

/** Does a tenant network policy admit traffic into pods with `podLabels` from `namespace` on `port`. */
export function ingressAllowed(tenant: TenantView, podLabels: Record<string, string>, namespace: string, port: number): boolean {
  return tenant.networkPolicies.some((p) => {
    const types: string[] = p.policy_types ?? [];
    if (!types.includes('Ingress') || !selects(apiSelector(p.pod_selector), podLabels)) return false;
    return (p.ingress ?? []).some((rule: Obj) => {
      const from = (rule.from ?? []).some(
        (f: Obj) => f.namespace_selector && selects(apiSelector(f.namespace_selector), { 'kubernetes.io/metadata.name': namespace }),
      );
      const ports: Obj[] = rule.ports ?? [];
      return from && (ports.length === 0 || ports.some((x) => String(x.port) === String(port)));
    });
  });
}

/** Does a tenant network policy let its pods reach pods with `podLabels` in `namespace` on `port`. */
export function egressAllowed(tenant: TenantView, podLabels: Record<string, string>, namespace: string, port: number): boolean {
  return tenant.networkPolicies.some((p) =>
    (p.egress ?? []).some((rule: Obj) => {
      const to = (rule.to ?? []).some(
        (t: Obj) =>
          t.namespace_selector &&
          selects(apiSelector(t.namespace_selector), { 'kubernetes.io/metadata.name': namespace }) &&
          selects(apiSelector(t.pod_selector), podLabels),
      );
      return to && (rule.ports ?? []).some((x: Obj) => String(x.port) === String(port));
    }),
  );
}
