/** Rules of the scheduler: node agents reach every GPU node, checks land where they ask. */
import { chartDefault, manifestsOf, poolNodes, releases, type SiteOutput, type Toleration, tolerates, workloads } from './output';

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
