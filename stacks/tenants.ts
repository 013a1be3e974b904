import type { Construct } from 'constructs';
import { railPlan } from '../config/rails';
import { TENANT_LIMITS_NAMESPACE } from '../constructs/contract';
import { ncclEnvironment } from '../constructs/fabric/nccl-settings';
import { gatewayProxyNamespace } from '../constructs/inference/gateway';
import { VLLM_PORT } from '../constructs/inference/inference-runtime';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { RGW_POD } from '../constructs/storage/ceph-storage';
import { TenantGuard } from '../constructs/tenancy/tenant-guard';
import { TenantSpace } from '../constructs/tenancy/tenant';
import { SiteStack, type SiteStackProps } from './site-stack';

/**
 * `<site>-tenants` (Phase 2 only): the admission guards of tenant namespaces, the tenants' limits
 * they read, and one namespace per tenant with its quotas, queue, networks and access.
 */
export class TenantsStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'tenants', props);
    const { site, fleet } = props;
    const rails = railPlan(site);
    const nccl = ncclEnvironment(site, rails);
    const cephObjects = site.storage.backend === 'rook-ceph';
    const limits = cephObjects
      ? new SiteNamespace(this, 'tenant-limits', {
          siteId: site.id,
          name: TENANT_LIMITS_NAMESPACE,
          podSecurity: PodSecurityLevel.RESTRICTED,
        })
      : undefined;
    const guard = new TenantGuard(this, 'guard', {
      siteId: site.id,
      bucketLimits: limits ? { namespace: limits.name, tenants: site.tenants.map((t) => t.name) } : undefined,
    });
    const inference = site.services.inference?.enabled
      ? { namespace: gatewayProxyNamespace(fleet.charts.gatewayController), port: VLLM_PORT }
      : undefined;
    const objectGateway = limits
      ? {
          namespace: fleet.charts.rookCeph.namespace,
          podLabels: { ...RGW_POD.labels },
          port: RGW_POD.port,
          storageClass: 'object',
          limitsNamespace: limits.resource.metadata.name,
        }
      : undefined;
    for (const tenant of site.tenants) {
      new TenantSpace(this, `tenant-${tenant.name}`, {
        site,
        tenant,
        guard: guard.bindings.map((b) => b.resource),
        monitoringNamespace: fleet.charts.kubePrometheusStack.namespace,
        ncclEnvironment: nccl,
        rails,
        inferenceIngress: inference,
        objectGateway,
      });
    }
  }
}
