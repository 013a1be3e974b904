import { Construct } from 'constructs';
import type { ChartPin } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';
import { LABEL_PREFIX } from '../contract';

export interface NodeFeatureDiscoveryProps {
  readonly siteId: string;
  /** The pinned node-feature-discovery chart. */
  readonly chart: ChartPin;
}

/**
 * Node Feature Discovery: labels nodes with their hardware (PCI ids, kernel, RDMA), which the
 * GPU and Network Operators schedule on. One NFD per cluster; both operators' bundled copies are
 * turned off.
 * @see https://kubernetes-sigs.github.io/node-feature-discovery/
 */
export class NodeFeatureDiscovery extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: NodeFeatureDiscoveryProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.siteId,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'nfd-worker reads host /sys, /proc and /usr/lib through hostPath mounts to discover hardware',
      values: {
        master: {
          replicaCount: 2,
          // Node-pool rules publish our labels and the MIG manager's, and taint GPU pools.
          extraLabelNs: [LABEL_PREFIX, 'nvidia.com'],
          enableTaints: true,
        },
        gc: { enable: true },
        prometheus: { enable: true },
      },
    });
  }
}
