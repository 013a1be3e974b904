/** The GPU Operator's MIG resources and Helm's CRD-before-use ordering. */
import { manifestsOf, type Obj, poolNodes, type Release, releases, type SiteOutput } from './output';
import { clusterQueues, flavorPools } from './kueue';

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
  const poolOf = flavorPools(out);
  for (const cq of clusterQueues(out)) {
    for (const flavor of cq.groups.flatMap((g) => g.flavors)) {
      if (partitioned.some((n) => n.pool === poolOf[flavor.name]) && (flavor.quotas['nvidia.com/gpu']?.nominal ?? 0) > 0) {
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
