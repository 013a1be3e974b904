import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';
import { GPU_NODE_AGENT_TOLERATIONS } from '../contract';

/** The image set Rook publishes for the CSI drivers it is tested with. */
const ROOK_CSI_IMAGE_SET = 'rook-csi-operator-image-set-configmap';

export interface RookCephOperatorProps {
  readonly site: Site;
  /** The pinned rook-ceph chart. */
  readonly chart: ChartPin;
  /** The pinned ceph-csi-drivers chart (Rook >= 1.20 no longer deploys the CSI drivers). */
  readonly csiDriversChart: ChartPin;
  /** Releases whose CRDs this one's values create objects of (e.g. ServiceMonitor): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
}

/**
 * Rook operator for Ceph, and the Ceph CSI drivers through their own chart, configured as Rook
 * recommends (driver names `<namespace>.rbd|cephfs.csi.ceph.com`, the storage classes'
 * provisioners) and with the node plugin on every GPU node. The CephCluster, pools and storage
 * classes live in the platform stack. Only sites with `storage.backend: rook-ceph` get it.
 * @see https://rook.io/docs/rook/latest-release/Helm-Charts/operator-chart/
 * @see https://rook.io/docs/rook/latest-release/Helm-Charts/csi-drivers-chart/
 */
export class RookCephOperator extends Construct {
  readonly operator: OperatorRelease;
  readonly csiDrivers: OperatorRelease;

  constructor(scope: Construct, id: string, props: RookCephOperatorProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'Ceph OSDs and the CSI node plugin use host devices and mount propagation',
      after: props.after,
      values: {
        crds: { enabled: true },
        monitoring: { enabled: true },
      },
    });
    const ns = props.chart.namespace;
    // Pods on GPU nodes mount Ceph volumes: the node plugin must run there too.
    const nodePlugin = () => ({ priorityClassName: 'system-node-critical', tolerations: [...GPU_NODE_AGENT_TOLERATIONS] });
    // Needs the ceph-csi-operator and its CRDs, which the rook-ceph chart installs.
    this.csiDrivers = new OperatorRelease(this, 'csi-drivers', {
      siteId: props.site.id,
      pin: props.csiDriversChart,
      namespace: this.operator.namespace,
      dependsOn: [this.operator.release],
      values: {
        operatorConfig: {
          namespace: ns,
          driverSpecDefaults: {
            imageSet: { name: ROOK_CSI_IMAGE_SET },
            nodePlugin: nodePlugin(),
          },
        },
        // The chart renders each driver's own nodePlugin.tolerations (an empty list by default),
        // which the operator takes over the defaults: the tolerations go on every driver.
        drivers: {
          rbd: { enabled: true, name: `${ns}.rbd.csi.ceph.com`, nodePlugin: nodePlugin() },
          cephfs: { enabled: true, name: `${ns}.cephfs.csi.ceph.com`, nodePlugin: nodePlugin() },
          nfs: { enabled: false, name: `${ns}.nfs.csi.ceph.com` },
          nvmeof: { enabled: false, name: `${ns}.nvmeof.csi.ceph.com` },
        },
      },
    });
  }
}
