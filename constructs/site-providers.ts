import { Construct } from 'constructs';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';

export interface SiteProvidersProps {
  /**
   * kubeconfig context of the site's cluster. The kubeconfig file itself comes from
   * KUBE_CONFIG_PATH at deploy time, so no path, token or certificate is ever synthesized.
   */
  readonly kubeContext: string;
}

/** Kubernetes and Helm providers pointed at one site's cluster. */
export class SiteProviders extends Construct {
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;

  constructor(scope: Construct, id: string, props: SiteProvidersProps) {
    super(scope, id);
    this.kubernetes = new KubernetesProvider(this, 'kubernetes', { configContext: props.kubeContext });
    this.helm = new HelmProvider(this, 'helm', { kubernetes: { configContext: props.kubeContext } });
  }
}
