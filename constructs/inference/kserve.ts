import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { OperatorRelease } from '../operator-release';

export interface KServeProps {
  readonly site: Site;
  /** The pinned kserve-crd chart. */
  readonly crdChart: ChartPin;
  /** The pinned kserve-resources chart. */
  readonly chart: ChartPin;
}

/**
 * KServe in Standard mode (plain Deployments, no Knative), for sites that serve models.
 * @see https://kserve.github.io/website/docs/admin-guide/kubernetes-deployment
 */
export class KServe extends Construct {
  readonly crds: OperatorRelease;
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: KServeProps) {
    super(scope, id);
    this.crds = new OperatorRelease(this, 'crds', { siteId: props.site.id, pin: props.crdChart });
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      namespace: this.crds.namespace,
      dependsOn: [this.crds.release],
      values: { kserve: { controller: { deploymentMode: 'Standard' } } },
    });
  }
}
