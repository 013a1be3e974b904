/** Checks that would measure each other, and checks that bypass Kueue. */
import { manifestsOf, type Obj, selects, type SiteOutput, workloads } from './output';

/** Checks whose measurements share a medium: the fabric (RDMA, NCCL) and the storage back end. */
const CONTENDING = [/^(rdma-pairs|nccl-allreduce)-/, /^storage-/];

/**
 * Two checks that share the fabric or the storage must not run at once: each one's pods carry a
 * required anti-affinity that selects the other's pods across the whole cluster (a topology key
 * every node shares), so the scheduler runs one after the other.
 */
export function contentionProblems(out: SiteOutput): string[] {
  const problems: string[] = [];
  const checks = manifestsOf(out.platform)
    .filter((m) => m.kind === 'Job' || m.kind === 'CronJob')
    .map((m) => {
      const template = (m.kind === 'CronJob' ? m.spec.jobTemplate : m).spec.template;
      return {
        name: m.metadata.name as string,
        labels: (template.metadata?.labels ?? {}) as Record<string, string>,
        pod: template.spec as Obj,
      };
    });
  for (const lane of CONTENDING) {
    const members = checks.filter((c) => lane.test(c.name));
    for (const a of members) {
      const terms: Obj[] = a.pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      for (const b of members) {
        if (a === b) continue;
        const excluded = terms.some((t) => t.topologyKey === 'kubernetes.io/os' && selects(t.labelSelector ?? {}, b.labels));
        if (!excluded) problems.push(`${out.site}: ${a.name} may run at the same time as ${b.name}; they share what they measure`);
      }
    }
  }
  // Every check but the WAN test goes through Kueue, so quotas hold.
  for (const w of workloads(out.platform)) {
    if (!w.queue && !/\/wan-[^/]+$/.test(w.name)) problems.push(`${out.site}: ${w.name} bypasses Kueue`);
  }
  return problems;
}
