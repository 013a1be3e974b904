import { Construct } from 'constructs';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { healthCheckNodes, type NodePool } from '../../config';
import { migActive } from '../gpu/gpu-resources';
import { CustomResource } from '../custom-resource';
import { CHECK_LABEL, KUEUE, siteLabels } from '../contract';
import { ALLREDUCE_PY, DCGM_DIAG_SH, GPU_PERF_PY, INVENTORY_PY, RDMA_PAIRS_SH, STORAGE_SH, WAN_SH } from './private/acceptance-scripts';
import { type Check, workload } from './private/check';
import {
  type CheckInputs,
  dcgmCheck,
  gpuPerfCheck,
  inventoryCheck,
  NODE_READER,
  ncclCheck,
  RENDEZVOUS_PORT,
  rdmaCheck,
  SCRIPTS_CONFIG_MAP,
  storageCheck,
  wanCheck,
} from './private/checks';

export { ACCEPTANCE_NAMESPACE, CHECK_LABEL } from '../contract';
export { CHECK_LANES, type CheckKind, HEALTH_CHECK_SCHEDULES, LANE_LABEL } from './private/check';
export { gpuPerfThresholds } from './private/checks';

export interface AcceptanceChecksProps extends CheckInputs {
  /** Namespace the checks run in (privileged, for the reasons each check states). */
  readonly namespace: string;
  /** The StorageClass each storage tier's check writes to (reclaim Delete), by tier. */
  readonly storageClasses: Readonly<Record<string, string>>;
}

/**
 * Phase 1 acceptance: for every pool an inventory check on each node, DCGM diagnostics, an NCCL
 * all-reduce across the pool and RDMA bandwidth between node pairs on every rail; a throughput
 * check per WAN uplink and per storage tier. Thresholds come from config. All but the WAN check
 * go through Kueue like any workload (`acceptance` for GPU checks, `acceptance-spread` for one pod
 * per node without GPUs). In Phase 2 the same checks become CronJobs on a weekly sample.
 */
export class AcceptanceChecks extends Construct {
  readonly checks: readonly Check[];

  constructor(scope: Construct, id: string, props: AcceptanceChecksProps) {
    super(scope, id);
    const { site, namespace } = props;
    const labels = siteLabels(site.id);
    new ConfigMapV1(this, 'scripts', {
      metadata: { name: SCRIPTS_CONFIG_MAP, namespace, labels },
      data: {
        'inventory.py': INVENTORY_PY,
        'dcgm-diag.sh': DCGM_DIAG_SH,
        'gpu-perf.py': GPU_PERF_PY,
        'allreduce.py': ALLREDUCE_PY,
        'rdma-pairs.sh': RDMA_PAIRS_SH,
        'wan.sh': WAN_SH,
        'storage.sh': STORAGE_SH,
      },
    });
    // The inventory reads its node's labels and advertised GPUs: read access to Node objects only.
    const reader = new ServiceAccountV1(this, 'node-reader', { metadata: { name: NODE_READER, namespace, labels } });
    const readNodes = `factory-acceptance-${NODE_READER}`;
    const role = new ClusterRoleV1(this, 'node-reader-role', {
      metadata: { name: readNodes, labels },
      // get: its own node; list: the other trays of its NVLink domain, by label.
      rule: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }],
    });
    new ClusterRoleBindingV1(this, 'node-reader-binding', {
      metadata: { name: readNodes, labels },
      // By name, so the policy rules can tell which role it grants; the role comes first.
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: readNodes },
      subject: [{ kind: 'ServiceAccount', name: reader.metadata.name, namespace }],
      dependsOn: [role],
    });
    // Construct ids are Terraform addresses: 'local-queue' predates the spread queue.
    for (const [rid, queue] of [
      ['local-queue', KUEUE.acceptanceQueue],
      ['spread-queue', KUEUE.spreadQueue],
    ] as const) {
      new CustomResource(this, rid, {
        siteId: site.id,
        apiVersion: 'kueue.x-k8s.io/v1beta2',
        kind: 'LocalQueue',
        metadata: { name: queue, namespace },
        spec: { clusterQueue: queue },
      });
    }

    // Phase 1 burns in every node of every pool, MIG pools with whole GPUs. Phase 2 checks the
    // nodes the health-check reserve holds each week (one per pool, two on the rails), on pools
    // whose GPUs are whole; inventory still looks at every node.
    const phase1 = site.phase === 1;
    const burnIn = (pool: NodePool) => phase1 || !migActive(site, pool);
    const nodesOf = (pool: NodePool) => (phase1 ? pool.nodes : healthCheckNodes(pool, site.interconnect.railsPerNode));
    // Storage clients run where the data is read: on the GPU nodes of the largest pool.
    const clients = [...site.nodePools].sort((a, b) => b.nodes - a.nodes)[0];
    this.checks = [
      ...site.nodePools.map((pool) => inventoryCheck(props, pool)),
      ...site.nodePools.filter((p) => burnIn(p) && nodesOf(p) > 0).map((pool) => dcgmCheck(props, pool, nodesOf(pool))),
      ...site.nodePools.filter((p) => burnIn(p) && nodesOf(p) > 0).map((pool) => gpuPerfCheck(props, pool, nodesOf(pool))),
      ...props.rails.pools.filter((p) => burnIn(p) && nodesOf(p) >= 2).map((pool) => ncclCheck(props, pool, nodesOf(pool))),
      ...props.rails.pools
        .filter((p) => nodesOf(p) >= 2 || (!phase1 && p.nodes >= 2))
        .map((pool) => rdmaCheck(props, pool, phase1 ? pool.nodes : 2)),
      ...site.interconnect.uplinks.map((uplink) => wanCheck(props, uplink)),
      ...Object.entries(props.storageClasses).map(([tier, storageClass]) => storageCheck(props, tier, storageClass, clients)),
    ];
    for (const check of this.checks) {
      if (check.rendezvous) {
        new ServiceV1(this, `${check.name}-peers`, {
          metadata: { name: check.name, namespace, labels },
          spec: {
            clusterIp: 'None',
            publishNotReadyAddresses: true,
            selector: { [CHECK_LABEL]: check.name },
            port: [{ name: 'rendezvous', port: RENDEZVOUS_PORT }],
          },
        });
      }
      new CustomResource(this, check.name, workload(site, namespace, check));
    }
  }
}
