import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';

export interface RookCephOperatorProps {
  readonly site: Site;
  /** The pinned rook-ceph chart. */
  readonly chart: ChartPin;
  /** Releases whose CRDs this one's values create objects of (e.g. ServiceMonitor): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
}

/**
 * Rook operator for Ceph; the CephCluster, pools and storage classes live in the platform stack.
 * Only sites with `storage.backend: rook-ceph` get it.
 * @see https://rook.io/docs/rook/latest-release/Helm-Charts/operator-chart/
 */
export class RookCephOperator extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: RookCephOperatorProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'Ceph OSDs and the CSI node plugin use host devices and mount propagation',
      dependsOn: (props.after ?? []).map((r) => r.release),
      values: {
        crds: { enabled: true },
        monitoring: { enabled: true },
      },
    });
  }
}
