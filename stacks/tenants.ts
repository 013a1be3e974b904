import type { Construct } from 'constructs';
import { railPlan } from '../config/rails';
import { ncclEnvironment } from '../constructs/fabric/nccl-settings';
import { TenantSpace } from '../constructs/tenancy/tenant';
import { SiteStack, type SiteStackProps } from './site-stack';

/** `<site>-tenants` (Phase 2 only): one namespace per tenant with its quotas, queue and access. */
export class TenantsStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'tenants', props);
    const { site, fleet } = props;
    const nccl = ncclEnvironment(site, railPlan(site));
    for (const tenant of site.tenants) {
      new TenantSpace(this, `tenant-${tenant.name}`, {
        site,
        tenant,
        monitoringNamespace: fleet.charts.kubePrometheusStack.namespace,
        ncclEnvironment: nccl,
      });
    }
  }
}
