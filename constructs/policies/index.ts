import { ADMISSION_POLICIES } from '../contract';
import { capabilitiesDropped } from './capabilities';
import { chartPinned } from './chart-pinned';
import { containerResources } from './container-resources';
import { imageTagPinned } from './image-tag';
import type { PolicyRule } from './policy';
import { podSecurityEnforced } from './pod-security';
import { noPrivilege } from './privilege';
import { noClusterAdmin } from './rbac';

export * from './policy';
export { ACCEPTANCE_CAPABILITY_EXCEPTIONS } from './capabilities';

/** The fleet's policy rules; `privilegedNamespaces` are the documented Pod Security exceptions. */
export function fleetPolicies(privilegedNamespaces: ReadonlySet<string>): PolicyRule[] {
  return [
    chartPinned,
    imageTagPinned,
    containerResources,
    noPrivilege,
    capabilitiesDropped,
    noClusterAdmin,
    podSecurityEnforced(privilegedNamespaces, ADMISSION_POLICIES.tenantPods),
  ];
}
