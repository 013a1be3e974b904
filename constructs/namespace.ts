import { Construct } from 'constructs';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import type { ITerraformDependable } from 'cdktf/lib/terraform-dependable';
import { POD_SECURITY_REASON_ANNOTATION, siteLabels } from './contract';

/**
 * Pod Security Standards level a namespace enforces.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export enum PodSecurityLevel {
  RESTRICTED = 'restricted',
  BASELINE = 'baseline',
  /** Only for operators that load drivers or reach host devices; needs a stated reason. */
  PRIVILEGED = 'privileged',
}

export interface SiteNamespaceProps {
  readonly siteId: string;
  readonly name: string;
  /** Pod Security Standards level enforced (and, unless `podSecurityAudit` says otherwise, warned and audited). */
  readonly podSecurity: PodSecurityLevel;
  /**
   * Level warned and audited, where it is stricter than what is enforced: a namespace whose pods a
   * ValidatingAdmissionPolicy holds to more than the enforced level.
   * @default - podSecurity
   */
  readonly podSecurityAudit?: PodSecurityLevel;
  /**
   * Why a namespace needs more than `restricted`; recorded as an annotation for reviewers.
   * Required unless `podSecurity` is `restricted`.
   * @default - none
   */
  readonly podSecurityReason?: string;
  /** Extra labels. @default {} */
  readonly labels?: Record<string, string>;
  /** Created only after these (e.g. the admission policies that hold its pods). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

/** A namespace with the site's labels and an explicit Pod Security level. */
export class SiteNamespace extends Construct {
  readonly name: string;
  readonly resource: NamespaceV1;

  constructor(scope: Construct, id: string, props: SiteNamespaceProps) {
    super(scope, id);
    if (props.podSecurity !== PodSecurityLevel.RESTRICTED && !props.podSecurityReason) {
      throw new Error(`namespace ${props.name}: Pod Security "${props.podSecurity}" needs a podSecurityReason`);
    }
    this.name = props.name;
    const level = props.podSecurity;
    this.resource = new NamespaceV1(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...siteLabels(props.siteId),
          ...props.labels,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/warn': props.podSecurityAudit ?? level,
          'pod-security.kubernetes.io/audit': props.podSecurityAudit ?? level,
        },
        annotations: props.podSecurityReason ? { [POD_SECURITY_REASON_ANNOTATION]: props.podSecurityReason } : undefined,
      },
      dependsOn: props.dependsOn,
    });
  }
}
