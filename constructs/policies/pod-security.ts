import { judge, notApplicable, type PolicyRule } from './policy';
import { POD_SECURITY_REASON_ANNOTATION } from '../contract';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const REASON = POD_SECURITY_REASON_ANNOTATION;

/**
 * Every namespace enforces a Pod Security level; `privileged` only in the documented exceptions
 * (the operator namespaces that load drivers or reach host devices, and the acceptance namespace),
 * each with its reason recorded on the namespace.
 */
export function podSecurityEnforced(privilegedNamespaces: ReadonlySet<string>): PolicyRule {
  return {
    id: 'pod-security-enforced',
    mirrors: 'Pod Security Standards; CIS Kubernetes Benchmark 5.2 (pod security admission)',
    fix: `label the namespace ${ENFORCE}: restricted (privileged only for ${[...privilegedNamespaces].join(', ')}, with a ${REASON} annotation)`,
    check({ type, config }) {
      if (type !== 'kubernetes_namespace_v1' && type !== 'kubernetes_namespace') return notApplicable;
      const metadata = (Array.isArray(config.metadata) ? config.metadata[0] : config.metadata) as {
        name: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      };
      const level = metadata.labels?.[ENFORCE];
      const problems: string[] = [];
      if (!level) problems.push(`namespace ${metadata.name} enforces no Pod Security level`);
      if (level === 'privileged' && (!privilegedNamespaces.has(metadata.name) || !metadata.annotations?.[REASON])) {
        problems.push(`namespace ${metadata.name} is privileged without a documented exception`);
      }
      return judge(problems);
    },
  };
}
