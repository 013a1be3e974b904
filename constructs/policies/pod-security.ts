import { judge, notApplicable, type PolicyRule, type ResourceView } from './policy';
import { POD_SECURITY_REASON_ANNOTATION } from '../contract';

const LEVEL = 'pod-security.kubernetes.io';
const ENFORCE = `${LEVEL}/enforce`;
const REASON = POD_SECURITY_REASON_ANNOTATION;

type Metadata = { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

const first = <T>(value: T | T[]): T => (Array.isArray(value) ? value[0] : value);

/** Does a label selector select these labels (matchLabels; In, NotIn, Exists, DoesNotExist). */
function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  if (!Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'NotIn') return !(e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    return false;
  });
}

/**
 * Does a ValidatingAdmissionPolicy of the stack, named `policy` and bound with Deny, hold this
 * namespace's pods (its binding's namespace selector matches the namespace's labels)?
 */
function guardedBy(policy: string, labels: Record<string, string>, stack: readonly ResourceView[]): boolean {
  type Manifest = {
    kind?: string;
    metadata?: { name?: string };
    spec?: { policyName?: string; validationActions?: string[]; matchResources?: { namespaceSelector?: Selector } };
  };
  const manifests = stack.filter((r) => r.type === 'kubernetes_manifest').map((r) => r.config.manifest as Manifest);
  const exists = manifests.some((m) => m.kind === 'ValidatingAdmissionPolicy' && m.metadata?.name === policy);
  return (
    exists &&
    manifests.some(
      (m) =>
        m.kind === 'ValidatingAdmissionPolicyBinding' &&
        m.spec?.policyName === policy &&
        (m.spec.validationActions ?? []).includes('Deny') &&
        selects(m.spec.matchResources?.namespaceSelector, labels),
    )
  );
}

/**
 * Every namespace enforces a Pod Security level; `privileged` only in the documented exceptions
 * (the operator namespaces that load drivers or reach host devices, and the acceptance namespace),
 * each with its reason recorded on the namespace, or where `guard` (a ValidatingAdmissionPolicy
 * enforcing restricted plus IPC_LOCK) is bound with Deny and the namespace warns and audits
 * `restricted`: the tenants' pairing, because no Pod Security level allows IPC_LOCK alone.
 */
export function podSecurityEnforced(privilegedNamespaces: ReadonlySet<string>, guard: string): PolicyRule {
  return {
    id: 'pod-security-enforced',
    mirrors: 'Pod Security Standards; CIS Kubernetes Benchmark 5.2 (pod security admission)',
    fix: `label the namespace ${ENFORCE}: restricted (privileged only for ${[...privilegedNamespaces].join(', ')} with a ${REASON} annotation, or with warn and audit restricted where the ${guard} ValidatingAdmissionPolicy is bound to it with Deny)`,
    check({ type, config }, context) {
      const stackResources = context?.stackResources ?? [];
      if (type !== 'kubernetes_namespace_v1' && type !== 'kubernetes_namespace') return notApplicable;
      const metadata = first(config.metadata) as Metadata;
      const labels = metadata.labels ?? {};
      const level = labels[ENFORCE];
      const problems: string[] = [];
      if (!level) problems.push(`namespace ${metadata.name} enforces no Pod Security level`);
      if (level === 'privileged') {
        const exception = privilegedNamespaces.has(metadata.name) && Boolean(metadata.annotations?.[REASON]);
        const auditsRestricted = labels[`${LEVEL}/warn`] === 'restricted' && labels[`${LEVEL}/audit`] === 'restricted';
        const guarded = auditsRestricted && Boolean(metadata.annotations?.[REASON]) && guardedBy(guard, labels, stackResources);
        if (!exception && !guarded) {
          problems.push(
            `namespace ${metadata.name} is privileged without a documented exception or the ${guard} guard bound to it (with warn and audit restricted)`,
          );
        }
      }
      return judge(problems);
    },
  };
}
