import type { Construct } from 'constructs';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { SiteStack, type SiteStackProps } from './site-stack';

/** Namespace of the Phase 1 acceptance jobs and, in Phase 2, the periodic health checks. */
export const ACCEPTANCE_NAMESPACE = 'factory-acceptance';

/** `<site>-platform`: custom resources and cluster configuration on top of the operators. */
export class PlatformStack extends SiteStack {
  constructor(scope: Construct, props: SiteStackProps) {
    super(scope, 'platform', props);
    new SiteNamespace(this, 'acceptance-namespace', {
      siteId: props.site.id,
      name: ACCEPTANCE_NAMESPACE,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'RDMA bandwidth tests need IPC_LOCK to pin memory; DCGM diagnostics read host GPU state',
    });
  }
}
