/**
 * A site model: what the real components would do with a site's synthesized stacks, evaluated
 * without a cluster. Each rule follows the component's documented behaviour:
 *  - Kubernetes taints and tolerations (a pod lands on a node only if it tolerates every
 *    NoSchedule/NoExecute taint; node agents must reach every GPU node);
 *  - Kueue admission (every requested resource covered by the ClusterQueue or excluded in Kueue's
 *    configuration; one flavor per resource group per podset, compatible with the podset's node
 *    selector; a podset fits a flavor when count x request <= nominal + what the cohort can lend
 *    within the borrowing limit);
 *  - MIG resources (a whole-GPU request never served by a partitioned pool);
 *  - CRD-before-use between releases (a release whose values create objects of another
 *    release's CRDs depends on it);
 *  - every metric a rule reads exists (DCGM fields in the exporter's counters, kube-state-metrics
 *    labels in its allowlist);
 *  - tenant isolation (Pod Security, the ValidatingAdmissionPolicies evaluated as CEL, RBAC,
 *    network policies, quotas): what a tenant must be refused, and what it must be able to run.
 * Every rule returns the problems it finds, each naming the object, the queue and the numbers.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#flavor-assignment
 */
import { Testing } from 'cdktf/lib/testing';
import type { SiteStacks } from '../../stacks/fleet';
import { contentionProblems } from './contention';
import { admissionProblems } from './kueue';
import { resolveNameRefs, type SiteOutput } from './output';
import { nodeAgentProblems, placementProblems } from './placement';
import { crdOrderProblems, migProblems } from './releases';
import { tenantProblems } from './tenancy';
import { metricProblems } from './metrics';

export { contentionProblems } from './contention';
export { admission, admissionProblems, podRequests, quantity } from './kueue';
export { poolNodes, resolveNameRefs, selects, type SiteOutput, tolerates, tolerationMatches } from './output';
export { nodeAgentProblems, placementProblems } from './placement';
export { crdOrderProblems, migProblems } from './releases';
export { metricProblems } from './metrics';
export { admissionDenials, forbiddenProbes, rdmaJob, roleAllows, servingPod, tenantGuard, tenantProblems, tenantViews } from './tenancy';

/** Every rule, over one site. */
export function siteModelProblems(out: SiteOutput): string[] {
  return [
    ...nodeAgentProblems(out),
    ...placementProblems(out),
    ...admissionProblems(out),
    ...migProblems(out),
    ...crdOrderProblems(out),
    ...contentionProblems(out),
    ...tenantProblems(out),
    ...metricProblems(out),
  ];
}

/** A site's stacks synthesized, with references to resource names resolved as Terraform would. */
export function synthesizedSite(stacks: SiteStacks): SiteOutput {
  const synth = (stack: SiteStacks['foundation']) => resolveNameRefs(JSON.parse(Testing.synth(stack)));
  return {
    site: stacks.site.id,
    foundation: synth(stacks.foundation),
    platform: synth(stacks.platform),
    tenants: stacks.tenants ? synth(stacks.tenants) : undefined,
  };
}
