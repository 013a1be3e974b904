import type { Construct } from 'constructs';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { SiteStack, type SiteStackProps } from './site-stack';

/** `<site>-tenants` (Phase 2 only): one restricted namespace per tenant. */
export class TenantsStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'tenants', props);
    for (const tenant of props.site.tenants) {
      new SiteNamespace(this, `tenant-${tenant.name}`, {
        siteId: props.site.id,
        name: tenant.name,
        podSecurity: PodSecurityLevel.RESTRICTED,
        labels: { 'ai-factory.eu/tenant': tenant.name, 'ai-factory.eu/programme': tenant.programme },
      });
    }
  }
}
