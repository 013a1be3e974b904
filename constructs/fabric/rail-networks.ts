import { Construct } from 'constructs';
import type { RailPlan, Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { NODE_LABELS } from '../contract';

/** Extended resource of the RDMA shared device plugin: every rail HCA of the node. */
export const RDMA_SHARED_RESOURCE = 'rdma_rails';
/** Jumbo frames on the RoCE rails. */
const ROCE_MTU = 9000;

export type RailNetworkKind = 'IPoIBNetwork' | 'MacvlanNetwork' | 'HostDeviceNetwork';

/** IPoIB on InfiniBand, macvlan on RoCE with the shared RDMA plugin, host-device with SR-IOV. */
export function railNetworkKind(site: Pick<Site, 'interconnect'>): RailNetworkKind {
  if (site.interconnect.devicePlugin === 'sriov') return 'HostDeviceNetwork';
  return site.interconnect.fabric === 'infiniband' ? 'IPoIBNetwork' : 'MacvlanNetwork';
}

/** Device-plugin resource a pod requests for rail `index`: the shared HCAs, or the rail's virtual function. */
export function railResourceName(site: Pick<Site, 'interconnect'>, index: number): string {
  return site.interconnect.devicePlugin === 'sriov' ? `nvidia.com/rail_${index}` : `rdma/${RDMA_SHARED_RESOURCE}`;
}

/** What a pod that talks over every rail requests: one shared-HCA grant, or one VF per rail. */
export function railResources(site: Pick<Site, 'interconnect'>, rails: RailPlan): Record<string, number> {
  return Object.fromEntries(rails.rails.map((r) => [railResourceName(site, r.index), 1]));
}

/** The Multus annotation value that attaches every rail, by the networks' bare names (own namespace). */
export function railAnnotation(names: readonly string[]): string {
  return names.join(',');
}

export interface RailAttachmentsProps {
  readonly site: Site;
  readonly rails: RailPlan;
  /** Namespace whose pods attach the rails (the NetworkAttachmentDefinitions are created there). */
  readonly namespace: string;
  /** Prefix of the networks' names, which are cluster-wide. @default - none: `rail-<n>` */
  readonly namePrefix?: string;
}

/**
 * One network per rail whose NetworkAttachmentDefinition the Network Operator creates in one
 * namespace, on the rail's nv-ipam pool, added to `scope` under the rails' names. Pods attach them
 * by bare name, so only from that namespace (the tenant guard refuses references to another).
 */
export function addRailAttachments(scope: Construct, props: RailAttachmentsProps): { networks: CustomResource[]; names: string[] } {
  const { site, rails } = props;
  const kind = railNetworkKind(site);
  const names = rails.rails.map((rail) => (props.namePrefix ? `${props.namePrefix}-${rail.name}` : rail.name));
  const networks = rails.rails.map((rail, i) => {
    const ipam = JSON.stringify({ type: 'nv-ipam', poolName: rail.name });
    const networkNamespace = props.namespace;
    const spec =
      kind === 'IPoIBNetwork'
        ? { networkNamespace, master: rail.interfaceName, ipam }
        : kind === 'MacvlanNetwork'
          ? { networkNamespace, master: rail.interfaceName, mode: 'bridge', mtu: ROCE_MTU, ipam }
          : { networkNamespace, resourceName: railResourceName(site, rail.index), ipam };
    return new CustomResource(scope, rail.name, {
      siteId: site.id,
      apiVersion: 'mellanox.com/v1alpha1',
      kind,
      metadata: { name: names[i] },
      spec,
    });
  });
  return { networks, names };
}

export interface RailNetworksProps {
  readonly site: Site;
  readonly rails: RailPlan;
  /** Namespace of the Network Operator (nv-ipam pools live there). */
  readonly operatorNamespace: string;
  /** Namespace of the platform's own pods on the rails (the acceptance checks). */
  readonly namespace: string;
}

/**
 * One secondary network per rail, each with its own nv-ipam pool carved from the site's rails
 * block: IPoIB on InfiniBand, macvlan on RoCE with the shared RDMA plugin, host-device with SR-IOV.
 * @see https://docs.nvidia.com/networking/display/kubernetes2641/
 */
export class RailNetworks extends Construct {
  readonly kind: RailNetworkKind;
  readonly networks: CustomResource[];
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
    this.kind = railNetworkKind(site);
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
    }
    this.networks = addRailAttachments(this, { site, rails, namespace: props.namespace }).networks;
  }
}
