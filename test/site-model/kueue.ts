/** Kueue's rules: resource coverage, flavor assignment, topology-aware placement, quota. */
import { parse as parseYaml } from 'yaml';
import { GPUS, type GpuId } from '../../config';
import { manifestsOf, type Obj, poolNodes, releases, resourcesOf, selects, type SiteOutput, type Workload, workloads } from './output';

/** The ClusterQueue of the acceptance and health checks. */
const ACCEPTANCE_QUEUE = 'acceptance';

// ---------------------------------------------------------------- rule: Kueue admits every check

/** Kubernetes quantity to a number (cores, bytes or a count). */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const scale: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * (m[2] ? scale[m[2]] : 1);
}

/** What one pod requests (sum of its containers), by resource. */
export function podRequests(pod: Obj): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of pod.containers ?? []) {
    for (const [r, v] of Object.entries((c.resources?.requests ?? c.resources?.limits ?? {}) as Record<string, string>))
      total[r] = (total[r] ?? 0) + quantity(v);
  }
  return total;
}

interface FlavorQuota {
  nominal: number;
  borrowingLimit?: number;
  lendingLimit?: number;
}
interface ClusterQueue {
  name: string;
  cohort?: string;
  selector: Record<string, string>;
  groups: { covered: string[]; flavors: { name: string; quotas: Record<string, FlavorQuota> }[] }[];
}

export function clusterQueues(out: SiteOutput): ClusterQueue[] {
  return manifestsOf(out.platform)
    .filter((m) => m.kind === 'ClusterQueue')
    .map((m) => ({
      name: m.metadata.name,
      cohort: m.spec.cohortName,
      selector: m.spec.namespaceSelector?.matchLabels ?? {},
      groups: (m.spec.resourceGroups ?? []).map((g: Obj) => ({
        covered: g.coveredResources,
        flavors: g.flavors.map((f: Obj) => ({
          name: f.name,
          quotas: Object.fromEntries(
            f.resources.map((r: Obj) => [
              r.name,
              {
                nominal: quantity(r.nominalQuota),
                borrowingLimit: r.borrowingLimit === undefined ? undefined : quantity(r.borrowingLimit),
                lendingLimit: r.lendingLimit === undefined ? undefined : quantity(r.lendingLimit),
              },
            ]),
          ),
        })),
      })),
    }));
}

/** The pool of each ResourceFlavor, from the pool label it selects. */
export function flavorPools(out: SiteOutput): Record<string, string> {
  return Object.fromEntries(
    manifestsOf(out.platform)
      .filter((m) => m.kind === 'ResourceFlavor')
      .map((m) => [m.metadata.name, m.spec.nodeLabels?.['ai-factory.eu/pool']]),
  );
}

/** Each Topology's level labels, top down. */
export function topologyLevels(out: SiteOutput): Record<string, string[]> {
  return Object.fromEntries(
    manifestsOf(out.platform)
      .filter((m) => m.kind === 'Topology')
      .map((m) => [m.metadata.name, (m.spec.levels ?? []).map((l: Obj) => l.nodeLabel)]),
  );
}

/**
 * GPUs in one domain of a topology level on a flavor's nodes, where the hardware fixes it: an
 * NVLink clique holds the GPUs one NVLink domain joins (72 on GB200 NVL72). Undefined elsewhere.
 */
function domainGpus(out: SiteOutput, flavorLabels: Record<string, string>, level: string): number | undefined {
  const pool = poolNodes(out).find((n) => n.pool === flavorLabels['ai-factory.eu/pool']);
  const gpu = pool ? GPUS[pool.labels['ai-factory.eu/gpu'] as GpuId] : undefined;
  if (!gpu) return undefined;
  if (level === 'nvidia.com/gpu.clique') return gpu.scaleUpDomainGpus;
  return undefined;
}

/** The resource prefixes Kueue's configuration leaves out of quota. */
function excludedPrefixes(out: SiteOutput): string[] {
  const kueue = releases(out).find((r) => r.chart === 'kueue');
  const config = parseYaml(kueue?.values?.managerConfig?.controllerManagerConfigYaml ?? '{}') as Obj;
  return config?.resources?.excludeResourcePrefixes ?? [];
}

/** Namespace labels, from the namespaces the stacks create. */
function namespaceLabels(out: SiteOutput): Record<string, Record<string, string>> {
  const all: Record<string, Record<string, string>> = {};
  for (const stack of [out.foundation, out.platform, out.tenants]) {
    for (const [, ns] of resourcesOf(stack, 'kubernetes_namespace_v1')) all[ns.metadata.name] = ns.metadata.labels ?? {};
  }
  return all;
}

/**
 * Kueue's verdict on one workload: undefined when it can be admitted, else why not. A tenant
 * workload is admissible when it could be admitted on an otherwise idle cluster (nominal quota
 * plus what the cohort lends); an acceptance check must fit its queue's own nominal quota.
 */
export function admission(out: SiteOutput, w: Workload): string | undefined {
  const localQueues = manifestsOf(out.platform)
    .concat(manifestsOf(out.tenants))
    .filter((m) => m.kind === 'LocalQueue');
  const lq = localQueues.find((q) => q.metadata.name === w.queue && q.metadata.namespace === w.namespace);
  if (!lq) return `no LocalQueue ${w.queue} in namespace ${w.namespace}`;
  const queues = clusterQueues(out);
  const cq = queues.find((q) => q.name === lq.spec.clusterQueue);
  if (!cq) return `LocalQueue ${w.queue} points at a missing ClusterQueue ${lq.spec.clusterQueue}`;
  const labels = namespaceLabels(out)[w.namespace] ?? {};
  if (!Object.entries(cq.selector).every(([k, v]) => labels[k] === v))
    return `ClusterQueue ${cq.name} does not select namespace ${w.namespace}`;

  const requests = podRequests(w.pod);
  const excluded = excludedPrefixes(out);
  const selector: Record<string, string> = w.pod.nodeSelector ?? {};
  const flavors = Object.fromEntries(
    manifestsOf(out.platform)
      .filter((m) => m.kind === 'ResourceFlavor')
      .map((f) => [f.metadata.name, f.spec]),
  );
  // Kueue compares a podset's node selector with a flavor's own labels, on the keys the flavor
  // has (flavorassigner): a flavor without labels matches any podset.
  const compatible = (flavor: string) => {
    const labels: Record<string, string> = flavors[flavor]?.nodeLabels ?? {};
    return Object.keys(labels).every((k) => selector[k] === undefined || labels[k] === selector[k]);
  };
  // Topology-aware flavors take only podsets with a topology annotation, unless every flavor of
  // the queue is topology-aware (implicit TAS: unannotated podsets are placed unconstrained).
  const allTas = cq.groups.every((g) => g.flavors.every((f) => flavors[f.name]?.topologyName));
  const topologyRequest = ['required', 'preferred', 'unconstrained'].some((k) => w.annotations[`kueue.x-k8s.io/podset-${k}-topology`]);
  const cohort = queues.filter((q) => q.cohort !== undefined && q.cohort === cq.cohort && q.name !== cq.name);

  const assigned: string[] = [];
  for (const resource of Object.keys(requests)) {
    if (excluded.some((p) => resource.startsWith(p))) continue;
    if (!cq.groups.some((g) => g.covered.includes(resource)))
      return `ClusterQueue ${cq.name} covers no ${resource} (and Kueue does not exclude it)`;
  }
  for (const group of cq.groups) {
    const asked = Object.entries(requests).filter(([r]) => group.covered.includes(r));
    if (asked.length === 0) continue;
    const tried: string[] = [];
    const fit = group.flavors.find((f) => {
      if (!compatible(f.name)) return false;
      if (flavors[f.name]?.topologyName && !allTas && !topologyRequest) {
        tried.push(`${f.name}: topology-aware, and the podset has no topology annotation while the queue also has other flavors`);
        return false;
      }
      return asked.every(([r, perPod]) => {
        const q = f.quotas[r] ?? { nominal: 0 };
        const lendable = cohort.reduce((sum, other) => {
          const o = other.groups.flatMap((g) => g.flavors).find((x) => x.name === f.name)?.quotas[r];
          return sum + (o ? Math.min(o.nominal, o.lendingLimit ?? o.nominal) : 0);
        }, 0);
        // The checks must fit their own quota: borrowing only wins idle capacity, which fair
        // sharing may never leave them.
        const borrowable = cq.name === ACCEPTANCE_QUEUE ? 0 : Math.min(q.borrowingLimit ?? Number.POSITIVE_INFINITY, lendable);
        const available = q.nominal + borrowable;
        const needed = perPod * w.count;
        if (needed > available + 1e-9)
          tried.push(
            `${f.name}: ${r} needs ${w.count} x ${perPod} = ${needed}, nominal ${q.nominal} + borrowable ${available - q.nominal}`,
          );
        return needed <= available + 1e-9;
      });
    });
    if (!fit) return `no flavor of ClusterQueue ${cq.name} fits (${tried.join('; ') || 'none compatible with the node selector'})`;
    assigned.push(fit.name);
  }
  const topology = w.annotations['kueue.x-k8s.io/podset-required-topology'] ?? w.annotations['kueue.x-k8s.io/podset-preferred-topology'];
  if (topology && new Set(assigned).size > 1)
    return `topology-placed podset gets several flavors (${assigned.join(', ')}); topology-aware scheduling needs one`;
  if (topology && assigned.length > 0 && !flavors[assigned[0]]?.topologyName)
    return `topology-placed podset gets flavor ${assigned[0]}, which has no topology`;
  if (topology && assigned.length > 0) {
    // Kueue places a podset on a level of its flavor's Topology; a level the topology lacks
    // leaves the workload inadmissible.
    const name = flavors[assigned[0]].topologyName;
    const levels = topologyLevels(out)[name] ?? [];
    if (!levels.includes(topology))
      return `it asks for topology level ${topology}, and flavor ${assigned[0]}'s topology ${name} has levels ${levels.join(', ') || 'none (missing)'}`;
    // A required level holds the whole podset in one domain of it: one node, or one NVLink domain.
    const required = w.annotations['kueue.x-k8s.io/podset-required-topology'];
    const gpusPerPod = requests['nvidia.com/gpu'] ?? 0;
    const domain = required ? domainGpus(out, flavors[assigned[0]].nodeLabels ?? {}, required) : undefined;
    if (domain !== undefined && gpusPerPod * w.count > domain)
      return `it requires one ${required} domain for ${w.count} x ${gpusPerPod} GPUs, and one holds ${domain}`;
  }
  // Topology-aware placement pins each pod to a node by capacity and ignores pod anti-affinity:
  // pods meant to spread one per node only do so when each fills a node's GPUs.
  const spreads = ((w.pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]).some(
    (t) => t.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector ?? {}, w.labels),
  );
  // Whole GPUs fill a node only as nvidia.com/gpu (not RDMA VFs, not MIG slices).
  const wholeGpus = (requests['nvidia.com/gpu'] ?? 0) > 0;
  if (spreads && !wholeGpus && assigned.some((f) => flavors[f]?.topologyName)) {
    return `its pods spread one per node by anti-affinity, but topology-aware flavor ${assigned.find((f) => flavors[f]?.topologyName)} places them by capacity: they pile onto a few nodes`;
  }
  return undefined;
}

export function admissionProblems(out: SiteOutput): string[] {
  return [...workloads(out.platform), ...workloads(out.tenants)]
    .filter((w) => w.queue)
    .flatMap((w) => {
      const why = admission(out, w);
      return why ? [`${out.site}: Kueue never admits ${w.name}: ${why}`] : [];
    });
}
