/**
 * Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/) as
 * the PodSecurity admission plugin enforces them at version v1.35 / "latest": the checks below mirror
 * kubernetes/pod-security-admission `policy/check_*.go` (tag v0.36.2), including which restricted
 * checks replace which baseline ones, the Windows exemptions and the user-namespace relaxations.
 */
import { POD_SECURITY_CHECKS } from './pod-security-checks';
import { type PodSecurityCheck, type PodSecurityLevel, podSpecOf } from './pod-spec';

export { POD_SECURITY_CHECKS } from './pod-security-checks';
export { type PodSecurityCheck, type PodSecurityLevel, type PodSpec, podSpecOf } from './pod-spec';

/** The checks in force at `level`: restricted adds its own and drops the baseline ones it replaces. */
export function checksFor(level: PodSecurityLevel): PodSecurityCheck[] {
  if (level === 'baseline') return POD_SECURITY_CHECKS.filter((c) => c.level === 'baseline');
  const replaced = new Set(POD_SECURITY_CHECKS.flatMap((c) => c.overrides ?? []));
  return POD_SECURITY_CHECKS.filter((c) => !replaced.has(c.id));
}

/**
 * What the PodSecurity admission plugin (enforce `level`, version latest) objects to in `obj`'s pod:
 * one message per failed check, `"<control> (<id>): <reason> (<detail>)"`. Empty means admitted.
 */
export function podSecurityViolations(level: PodSecurityLevel, obj: unknown): string[] {
  const pod = podSpecOf(obj);
  return checksFor(level).flatMap((c) => {
    const finding = c.check(pod);
    return finding ? [`${c.control} (${c.id}): ${finding.reason} (${finding.detail})`] : [];
  });
}
