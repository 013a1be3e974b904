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
 *    release's CRDs depends on it).
 * Every rule returns the problems it finds, each naming the object, the queue and the numbers.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#flavor-assignment
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

type Obj = Record<string, any>;

/** The ClusterQueue of the acceptance and health checks. */
const ACCEPTANCE_QUEUE = 'acceptance';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** Kubernetes' rule: does one toleration match one taint. */
export function tolerationMatches(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  const operator = t.operator ?? 'Equal';
  if (!t.key) return operator === 'Exists';
  if (t.key !== taint.key) return false;
  return operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** A pod may be scheduled on a node when every NoSchedule and NoExecute taint is tolerated. */
export function tolerates(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[]): boolean {
  return taints
    .filter((t) => t.effect !== 'PreferNoSchedule')
    .every((taint) => (tolerations ?? []).some((t) => tolerationMatches(t, taint)));
}

/**
 * Replaces Terraform references to another resource's name (`${type.name.metadata[0].name}`)
 * by the name itself, as Terraform would when it applies the stack.
 */
export function resolveNameRefs<T>(stack: T): T {
  const resources = ((stack as Obj)?.resource ?? {}) as Obj;
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const m = /^\$\{([\w-]+)\.([\w-]+)\.metadata\[0\]\.name\}$/.exec(node);
      return m && resources[m[1]]?.[m[2]] ? resources[m[1]][m[2]].metadata.name : node;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    return node;
  };
  return visit(stack) as T;
}

/** The synthesized stacks of one site, as Terraform JSON. */
export interface SiteOutput {
  readonly site: string;
  readonly foundation: Obj;
  readonly platform: Obj;
  readonly tenants?: Obj;
}

const resourcesOf = (stack: Obj | undefined, type: string): [string, Obj][] => Object.entries((stack?.resource?.[type] ?? {}) as Obj);
const manifestsOf = (stack: Obj | undefined): Obj[] => resourcesOf(stack, 'kubernetes_manifest').map(([, r]) => r.manifest);

interface Release {
  readonly address: string;
  readonly chart: string;
  readonly values: Obj;
  readonly dependsOn: string[];
}

function releases(out: SiteOutput): Release[] {
  return resourcesOf(out.foundation, 'helm_release').map(([name, r]) => ({
    address: `helm_release.${name}`,
    chart: r.chart,
    values: (parseYaml(r.values?.[0] ?? '{}') ?? {}) as Obj,
    dependsOn: r.depends_on ?? [],
  }));
}

const UPSTREAM = join(__dirname, 'fixtures', 'upstream');
/** A chart's default values, for settings the fleet leaves at the default (node-exporter's tolerations). */
function chartDefault(path: string): Obj {
  return parseYaml(readFileSync(join(UPSTREAM, path), 'utf8')) as Obj;
}

// ---------------------------------------------------------------- nodes

export interface PoolNodes {
  readonly pool: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
  /** The MIG layout the node label selects, if any. */
  readonly migConfig?: string;
}

/** The GPU node kinds the NodeFeatureRules create: one per pool, with its labels and taints. */
export function poolNodes(out: SiteOutput): PoolNodes[] {
  return manifestsOf(out.platform)
    .filter((m) => m.kind === 'NodeFeatureRule' && m.metadata.name.startsWith('pool-'))
    .map((m) => {
      const rule = m.spec.rules[0];
      return {
        pool: rule.labels['ai-factory.eu/pool'],
        labels: { ...rule.labels, 'ai-factory.eu/rack': 'any', 'ai-factory.eu/block': 'any' },
        taints: rule.taints ?? [],
        migConfig: rule.labels['nvidia.com/mig.config'],
      };
    });
}

// ---------------------------------------------------------------- rule: node agents reach every GPU node

/** Node agents (DaemonSets) that must run on every GPU node, with the tolerations they get. */
function nodeAgents(out: SiteOutput): { agent: string; tolerations: Toleration[] }[] {
  const byChart = Object.fromEntries(releases(out).map((r) => [r.chart, r.values]));
  const agents: { agent: string; tolerations: Toleration[] }[] = [];
  const gpuDefaults = chartDefault('gpu-operator/v26.7.0/chart/values.yaml');
  agents.push({
    agent: 'GPU Operator operands (driver, toolkit, device plugin, DCGM exporter, MIG manager)',
    tolerations: byChart['gpu-operator']?.daemonsets?.tolerations ?? gpuDefaults.daemonsets.tolerations,
  });
  agents.push({ agent: 'NFD worker', tolerations: byChart['node-feature-discovery']?.worker?.tolerations ?? [] });
  const exporterDefaults = chartDefault('kube-prometheus-stack/88.5.3/chart/charts/prometheus-node-exporter/values.yaml');
  agents.push({
    agent: 'node-exporter',
    tolerations: byChart['kube-prometheus-stack']?.['prometheus-node-exporter']?.tolerations ?? exporterDefaults.tolerations,
  });
  const nicPolicy = manifestsOf(out.platform).find((m) => m.kind === 'NicClusterPolicy');
  if (nicPolicy)
    agents.push({
      agent: 'NicClusterPolicy (DOCA driver, RDMA device plugin, Multus, CNI, nv-ipam)',
      tolerations: nicPolicy.spec.tolerations ?? [],
    });
  if (byChart['rook-ceph']) {
    // Rook >= 1.20 deploys no CSI driver itself: without the ceph-csi-drivers release there is none.
    const csi = byChart['ceph-csi-drivers'];
    // The chart renders each driver's own list (empty by default), which the operator prefers to
    // the defaults: every enabled driver's node plugin must tolerate the pools.
    for (const driver of ['rbd', 'cephfs']) {
      if (csi && csi.drivers?.[driver]?.enabled === false) continue;
      agents.push({ agent: `Ceph CSI node plugin (${driver})`, tolerations: csi?.drivers?.[driver]?.nodePlugin?.tolerations ?? [] });
    }
    if (!csi) agents.push({ agent: 'Ceph CSI drivers (no ceph-csi-drivers release)', tolerations: [] });
  }
  return agents;
}

export function nodeAgentProblems(out: SiteOutput): string[] {
  const problems: string[] = [];
  for (const node of poolNodes(out)) {
    for (const { agent, tolerations } of nodeAgents(out)) {
      if (!tolerates(tolerations, node.taints)) {
        problems.push(
          `${out.site}: ${agent} does not tolerate pool ${node.pool}'s taints ${JSON.stringify(node.taints)}: a node of the pool never gets it`,
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- rule: workloads land somewhere

interface Workload {
  readonly name: string;
  /** The pod template's labels. */
  readonly labels: Record<string, string>;
  readonly namespace: string;
  readonly queue?: string;
  readonly count: number;
  readonly pod: Obj;
  readonly annotations: Record<string, string>;
}

/** Jobs and CronJobs (their job template) of a stack. */
function workloads(stack: Obj | undefined): Workload[] {
  return manifestsOf(stack)
    .filter((m) => m.kind === 'Job' || m.kind === 'CronJob')
    .map((m) => {
      const job = m.kind === 'CronJob' ? m.spec.jobTemplate : m;
      const labels = { ...(m.metadata.labels ?? {}), ...(job.metadata?.labels ?? {}) };
      return {
        name: `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`,
        namespace: m.metadata.namespace,
        queue: labels['kueue.x-k8s.io/queue-name'],
        count: job.spec.parallelism ?? 1,
        pod: job.spec.template.spec,
        labels: job.spec.template.metadata?.labels ?? {},
        annotations: job.spec.template.metadata?.annotations ?? {},
      };
    });
}

/** Where a pod can be scheduled: the pool nodes it selects and tolerates, or untainted nodes. */
export function placementProblems(out: SiteOutput): string[] {
  const problems: string[] = [];
  const nodes = poolNodes(out);
  for (const w of [...workloads(out.platform), ...workloads(out.tenants)]) {
    const selector: Record<string, string> = w.pod.nodeSelector ?? {};
    const poolSelected = selector['ai-factory.eu/pool'];
    if (poolSelected) {
      const node = nodes.find((n) => n.pool === poolSelected);
      if (!node) problems.push(`${out.site}: ${w.name} selects pool ${poolSelected}, which no NodeFeatureRule labels`);
      else if (!tolerates(w.pod.tolerations, node.taints))
        problems.push(`${out.site}: ${w.name} selects pool ${poolSelected} but does not tolerate its taints`);
      continue;
    }
    // Any other node selector (an uplink gateway) may name a GPU node: it must tolerate every pool.
    if (Object.keys(selector).some((k) => k.startsWith('ai-factory.eu/'))) {
      for (const node of nodes) {
        if (!tolerates(w.pod.tolerations, node.taints))
          problems.push(
            `${out.site}: ${w.name} may be sent to a node of pool ${node.pool} (${JSON.stringify(selector)}) without tolerating it`,
          );
      }
    }
  }
  return problems;
}

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

function clusterQueues(out: SiteOutput): ClusterQueue[] {
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

// ---------------------------------------------------------------- rule: MIG slices are not whole GPUs

export function migProblems(out: SiteOutput): string[] {
  const problems: string[] = [];
  const partitioned = poolNodes(out).filter((n) => n.migConfig && n.migConfig !== 'all-disabled');
  const gpuOperator = releases(out).find((r) => r.chart === 'gpu-operator');
  const strategy = gpuOperator?.values?.mig?.strategy ?? 'single';
  if (partitioned.length > 0 && strategy !== 'mixed') {
    problems.push(
      `${out.site}: the GPU Operator runs the ${strategy} MIG strategy with partitioned pools (${partitioned.map((n) => n.pool).join(', ')}): slices are advertised as nvidia.com/gpu`,
    );
  }
  for (const cq of clusterQueues(out)) {
    for (const flavor of cq.groups.flatMap((g) => g.flavors)) {
      if (partitioned.some((n) => n.pool === flavor.name) && (flavor.quotas['nvidia.com/gpu']?.nominal ?? 0) > 0) {
        problems.push(`${out.site}: ClusterQueue ${cq.name} offers whole GPUs (nvidia.com/gpu) on partitioned pool ${flavor.name}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- rule: CRDs exist before use

/** API groups a chart installs the CRDs of. */
const CRD_PROVIDERS: Record<string, string[]> = {
  'kube-prometheus-stack': ['monitoring.coreos.com'],
  'node-feature-discovery': ['nfd.k8s-sigs.io'],
  'network-operator': ['mellanox.com', 'nv-ipam.nvidia.com', 'k8s.cni.cncf.io'],
  kueue: ['kueue.x-k8s.io'],
  'rook-ceph': ['ceph.rook.io', 'csi.ceph.io', 'objectbucket.io'],
  'gpu-operator': ['nvidia.com'],
  'kserve-crd': ['serving.kserve.io'],
};

/** API groups a release's values make it create objects of, at install time. */
function groupsUsedByValues(chart: string, v: Obj): string[] {
  const used = new Set<string>();
  const walk = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, child] of Object.entries(node as Obj)) {
      if ((k === 'serviceMonitor' || k === 'podMonitor') && (child as Obj)?.enabled === true) used.add('monitoring.coreos.com');
      walk(child, [...path, k]);
    }
  };
  walk(v, []);
  if (chart === 'node-feature-discovery' && v.prometheus?.enable) used.add('monitoring.coreos.com');
  if (chart === 'kueue' && v.enablePrometheus) used.add('monitoring.coreos.com');
  if (chart === 'rook-ceph' && v.monitoring?.enabled) used.add('monitoring.coreos.com');
  if (chart === 'network-operator' && v.nfd?.deployNodeFeatureRules) used.add('nfd.k8s-sigs.io');
  if (chart === 'ceph-csi-drivers') used.add('csi.ceph.io');
  return [...used];
}

export function crdOrderProblems(out: SiteOutput): string[] {
  const problems: string[] = [];
  const all = releases(out);
  const byAddress = new Map(all.map((r) => [r.address, r]));
  const after = (r: Release, seen = new Set<string>()): Set<string> => {
    for (const d of r.dependsOn) {
      if (seen.has(d)) continue;
      seen.add(d);
      const dep = byAddress.get(d);
      if (dep) after(dep, seen);
    }
    return seen;
  };
  for (const r of all) {
    for (const group of groupsUsedByValues(r.chart, r.values)) {
      const provider = all.find((p) => p !== r && CRD_PROVIDERS[p.chart]?.includes(group));
      if (provider && !after(r).has(provider.address)) {
        problems.push(
          `${out.site}: release ${r.chart} creates ${group} objects but is not installed after ${provider.chart}, which brings their CRDs (first deploy on a fresh cluster fails)`,
        );
      }
    }
  }
  // Custom resources of the later stacks use CRDs the foundation's releases install.
  const installed = new Set(all.flatMap((r) => CRD_PROVIDERS[r.chart] ?? []));
  for (const stack of [out.platform, out.tenants]) {
    for (const m of manifestsOf(stack)) {
      const group = String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/')[0] : '';
      if (group && group.includes('.') && !group.endsWith('.k8s.io') && !installed.has(group)) {
        problems.push(`${out.site}: ${m.kind} ${m.metadata.name} (${group}) uses a CRD no release of the foundation installs`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- rule: checks that disturb each other never overlap

/** Does a label selector (matchLabels and In/NotIn/Exists expressions) select these labels. */
export function selects(selector: Obj, labels: Record<string, string>): boolean {
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((e: Obj) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    return false;
  });
}

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

/** Every rule, over one site. */
export function siteModelProblems(out: SiteOutput): string[] {
  return [
    ...nodeAgentProblems(out),
    ...placementProblems(out),
    ...admissionProblems(out),
    ...migProblems(out),
    ...crdOrderProblems(out),
    ...contentionProblems(out),
  ];
}
