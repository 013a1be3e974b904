import type { Construct } from 'constructs';
import { GpuOperator } from '../constructs/gpu/gpu-operator';
import { GatewayController } from '../constructs/inference/gateway';
import { KServe } from '../constructs/inference/kserve';
import { NetworkOperator } from '../constructs/fabric/network-operator';
import { NodeFeatureDiscovery } from '../constructs/gpu/node-features';
import { MonitoringStack } from '../constructs/observability/monitoring-stack';
import { Kueue } from '../constructs/scheduling/kueue';
import { RookCephOperator } from '../constructs/storage/storage-operator';
import { WorkloadClasses } from '../constructs/gpu/workload-classes';
import { SiteStack, type SiteStackProps } from './site-stack';

/** `<site>-foundation`: every operator, pinned; installs the CRDs the platform layer uses. */
export class FoundationStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'foundation', props);
    const {
      site,
      fleet: { charts },
    } = props;
    new WorkloadClasses(this, 'workload-classes', { siteId: site.id });
    // Releases whose values create objects of another release's CRDs come after it: the
    // monitoring stack's ServiceMonitor/PodMonitor CRDs, NFD's NodeFeatureRule CRD.
    const monitoring = new MonitoringStack(this, 'monitoring', { site, chart: charts.kubePrometheusStack });
    const nfd = new NodeFeatureDiscovery(this, 'node-features', {
      siteId: site.id,
      chart: charts.nodeFeatureDiscovery,
      after: [monitoring.operator],
    });
    new GpuOperator(this, 'gpu-operator', { site, chart: charts.gpuOperator, after: [monitoring.operator] });
    new NetworkOperator(this, 'network-operator', { site, chart: charts.networkOperator, after: [nfd.operator] });
    if (site.storage.backend === 'rook-ceph') {
      new RookCephOperator(this, 'storage-operator', {
        site,
        chart: charts.rookCeph,
        csiDriversChart: charts.cephCsiDrivers,
        after: [monitoring.operator],
      });
    }
    new Kueue(this, 'scheduling', { site, chart: charts.kueue, after: [monitoring.operator] });
    if (site.services.inference?.enabled) {
      new KServe(this, 'inference', { site, crdChart: charts.kserveCrd, chart: charts.kserve });
      new GatewayController(this, 'inference-gateway', { siteId: site.id, chart: charts.gatewayController });
    }
  }
}
