import type { Construct } from 'constructs';
import { GpuAccounting } from '../constructs/gpu-accounting';
import { GpuHealthAlerts } from '../constructs/gpu-health-alerts';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { NodePoolLabels } from '../constructs/node-pool-labels';
import { SiteStack, type SiteStackProps } from './site-stack';

/** Namespace of the Phase 1 acceptance jobs and, in Phase 2, the periodic health checks. */
export const ACCEPTANCE_NAMESPACE = 'factory-acceptance';

/** `<site>-platform`: custom resources and cluster configuration on top of the operators. */
export class PlatformStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'platform', props);
    const { site, fleet } = props;
    const monitoringNamespace = fleet.charts.kubePrometheusStack.namespace;
    new SiteNamespace(this, 'acceptance-namespace', {
      siteId: site.id,
      name: ACCEPTANCE_NAMESPACE,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'RDMA bandwidth tests need IPC_LOCK to pin memory; DCGM diagnostics read host GPU state',
    });
    for (const pool of site.nodePools) {
      new NodePoolLabels(this, `pool-${pool.name}`, { siteId: site.id, pool });
    }
    new GpuHealthAlerts(this, 'gpu-health', { siteId: site.id, namespace: monitoringNamespace });
    new GpuAccounting(this, 'gpu-accounting', { site, namespace: monitoringNamespace });
  }
}
