import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';

export interface NetworkOperatorProps {
  readonly site: Site;
  /** The pinned network-operator chart. */
  readonly chart: ChartPin;
  /** Releases whose CRDs this one's values create objects of (its NodeFeatureRules): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
}

/**
 * NVIDIA Network Operator: OFED driver, RDMA device plugins and secondary networks for the
 * InfiniBand or RoCE fabric. Its NicClusterPolicy lives in the platform stack.
 * @see https://docs.nvidia.com/networking/display/kubernetes2604/
 */
export class NetworkOperator extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: NetworkOperatorProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'the OFED driver container loads kernel modules; device plugins reach host RDMA devices',
      after: props.after,
      values: {
        // The fleet runs one NFD of its own (NodeFeatureDiscovery); the bundled copy stays off.
        nfd: { enabled: false, deployNodeFeatureRules: true },
        upgradeCRDs: true,
        sriovNetworkOperator: { enabled: false },
      },
    });
  }
}
