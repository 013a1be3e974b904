import type { Construct } from 'constructs';
import { railPlan } from '../config/rails';
import { ACCEPTANCE_NAMESPACE, AcceptanceChecks } from '../constructs/acceptance/acceptance-checks';
import { CephStorage } from '../constructs/storage/ceph-storage';
import { FabricSettings } from '../constructs/fabric/fabric-settings';
import { GpuAccounting } from '../constructs/observability/gpu-accounting';
import { GpuHealthAlerts } from '../constructs/observability/gpu-health-alerts';
import { InferenceGateway } from '../constructs/inference/gateway';
import { InferenceRuntime } from '../constructs/inference/inference-runtime';
import { KueueQueues } from '../constructs/scheduling/kueue-queues';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { NicClusterPolicy } from '../constructs/fabric/nic-cluster-policy';
import { migActive } from '../constructs/gpu/gpu-resources';
import { NodePoolLabels } from '../constructs/gpu/node-pool-labels';
import { RailNetworks } from '../constructs/fabric/rail-networks';
import { StorageTiers } from '../constructs/storage/storage-tiers';
import { SiteStack, type SiteStackProps } from './site-stack';
import { ACCEPTANCE_NAMESPACE_LABEL } from '../constructs/contract';

/** `<site>-platform`: custom resources and cluster configuration on top of the operators. */
export class PlatformStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'platform', props);
    const { site, fleet } = props;
    const { charts } = fleet;
    const acceptance = new SiteNamespace(this, 'acceptance-namespace', {
      siteId: site.id,
      name: ACCEPTANCE_NAMESPACE,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'RDMA bandwidth tests need IPC_LOCK to pin memory; DCGM diagnostics need SYS_ADMIN and root',
      labels: { [ACCEPTANCE_NAMESPACE_LABEL]: 'true' },
    });

    // GPU cluster and observability
    for (const pool of site.nodePools) {
      // Phase 1 keeps every GPU whole for the burn-in; the MIG layout applies from Phase 2.
      new NodePoolLabels(this, `pool-${pool.name}`, { siteId: site.id, pool, partitioned: migActive(site, pool) });
    }
    new GpuHealthAlerts(this, 'gpu-health', { siteId: site.id, pools: site.nodePools, namespace: charts.kubePrometheusStack.namespace });
    new GpuAccounting(this, 'gpu-accounting', { site, namespace: charts.kubePrometheusStack.namespace });

    // Interconnect
    const rails = railPlan(site);
    new NicClusterPolicy(this, 'nic-cluster-policy', { site, images: fleet.images, rails });
    new RailNetworks(this, 'rail-networks', {
      site,
      rails,
      operatorNamespace: charts.networkOperator.namespace,
      namespace: acceptance.resource.metadata.name,
    });
    new FabricSettings(this, 'fabric-settings', { site, rails, namespace: acceptance.resource.metadata.name });

    // Storage
    if (site.storage.backend === 'rook-ceph') {
      new CephStorage(this, 'ceph', { site, images: fleet.images, namespace: charts.rookCeph.namespace });
    }
    const storage = new StorageTiers(this, 'storage-tiers', { site, rookNamespace: charts.rookCeph.namespace });

    // Scheduling, acceptance (Phase 1 jobs, Phase 2 periodic health checks) and services
    new KueueQueues(this, 'queues', { site });
    new AcceptanceChecks(this, 'acceptance', {
      site,
      images: fleet.images,
      rails,
      namespace: acceptance.resource.metadata.name,
      storageClasses: storage.checkClasses as Record<string, string>,
    });
    const inference = site.services.inference;
    const servingPool = site.nodePools.find((p) => p.name === inference?.pool);
    if (inference?.enabled && servingPool) {
      new InferenceRuntime(this, 'inference-runtime', { site, images: fleet.images, pool: servingPool });
      new InferenceGateway(this, 'inference-gateway', { site, namespace: charts.kserve.namespace });
    }
  }
}
