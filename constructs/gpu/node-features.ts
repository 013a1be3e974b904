import { Construct } from 'constructs';
import type { ChartPin } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';
import { GPU_NODE_AGENT_TOLERATIONS, LABEL_PREFIX } from '../contract';

export interface NodeFeatureDiscoveryProps {
  readonly siteId: string;
  /** The pinned node-feature-discovery chart. */
  readonly chart: ChartPin;
  /** Releases whose CRDs this one's values create objects of (e.g. ServiceMonitor): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
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
      after: props.after,
      values: {
        master: {
          replicaCount: 2,
          // Node-pool rules publish our labels and the MIG manager's, and taint GPU pools.
          extraLabelNs: [LABEL_PREFIX, 'nvidia.com'],
          enableTaints: true,
        },
        // The worker keeps labelling GPU nodes after the pool rules have tainted them.
        worker: { tolerations: [...GPU_NODE_AGENT_TOLERATIONS] },
        gc: { enable: true },
        prometheus: { enable: true },
      },
    });
  }
}
