import { Construct } from 'constructs';
import type { RailPlan, Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { NODE_LABELS } from '../contract';

/** Namespace where the NetworkAttachmentDefinitions live; jobs reference them as default/rail-<n>. */
export const RAIL_NETWORK_NAMESPACE = 'default';
/** Jumbo frames on the RoCE rails. */
const ROCE_MTU = 9000;

export type RailNetworkKind = 'IPoIBNetwork' | 'MacvlanNetwork' | 'HostDeviceNetwork';

export interface RailNetworksProps {
  readonly site: Site;
  readonly rails: RailPlan;
  /** Namespace of the Network Operator (nv-ipam pools live there). */
  readonly operatorNamespace: string;
  /** Device-plugin resource of rail `index` (SR-IOV only). */
  readonly resourceNameOf: (index: number) => string;
}

/**
 * One secondary network per rail, each with its own nv-ipam pool carved from the site's rails
 * block: IPoIB on InfiniBand, macvlan on RoCE with the shared RDMA plugin, host-device with SR-IOV.
 * @see https://docs.nvidia.com/networking/display/kubernetes2641/
 */
export class RailNetworks extends Construct {
  readonly kind: RailNetworkKind;
  readonly networks: CustomResource[] = [];
  readonly pools: CustomResource[] = [];

  constructor(scope: Construct, id: string, props: RailNetworksProps) {
    super(scope, id);
    const { site, rails } = props;
    for (const pool of rails.pools) {
      if (pool.nicsPerNode < rails.rails.length) {
        throw new Error(
          `${site.id} pool ${pool.name}: ${rails.rails.length} rails need ${rails.rails.length} NIC ports, the pool has ${pool.nicsPerNode}`,
        );
      }
    }
    if (rails.addressesNeeded > rails.addressesAvailable) {
      throw new Error(
        `${site.id}: rail subnets of ${rails.addressesAvailable} addresses cannot hold the ${rails.addressesNeeded} the rail nodes need`,
      );
    }
    const sriov = site.interconnect.devicePlugin === 'sriov';
    this.kind = sriov ? 'HostDeviceNetwork' : site.interconnect.fabric === 'infiniband' ? 'IPoIBNetwork' : 'MacvlanNetwork';
    const nodeSelector = {
      nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_LABELS.pool, operator: 'In', values: rails.pools.map((p) => p.name) }] }],
    };

    for (const rail of rails.rails) {
      this.pools.push(
        new CustomResource(this, `${rail.name}-pool`, {
          siteId: site.id,
          apiVersion: 'nv-ipam.nvidia.com/v1alpha1',
          kind: 'IPPool',
          metadata: { name: rail.name, namespace: props.operatorNamespace },
          spec: { subnet: rail.subnet.text, perNodeBlockSize: rails.perNodeBlockSize, nodeSelector },
        }),
      );
      const ipam = JSON.stringify({ type: 'nv-ipam', poolName: rail.name });
      const spec =
        this.kind === 'IPoIBNetwork'
          ? { networkNamespace: RAIL_NETWORK_NAMESPACE, master: rail.interfaceName, ipam }
          : this.kind === 'MacvlanNetwork'
            ? { networkNamespace: RAIL_NETWORK_NAMESPACE, master: rail.interfaceName, mode: 'bridge', mtu: ROCE_MTU, ipam }
            : { networkNamespace: RAIL_NETWORK_NAMESPACE, resourceName: props.resourceNameOf(rail.index), ipam };
      this.networks.push(
        new CustomResource(this, rail.name, {
          siteId: site.id,
          apiVersion: 'mellanox.com/v1alpha1',
          kind: this.kind,
          metadata: { name: rail.name },
          spec,
        }),
      );
    }
  }
}
