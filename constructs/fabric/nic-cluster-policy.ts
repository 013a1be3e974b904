import { Construct } from 'constructs';
import type { Fleet, RailPlan, Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { GPU_NODE_AGENT_TOLERATIONS, NODE_LABELS } from '../contract';
import { RDMA_SHARED_RESOURCE, railResourceName } from './rail-networks';

export { RDMA_SHARED_RESOURCE } from './rail-networks';

/** Mellanox PCI vendor id, for device-plugin selectors. */
const MELLANOX_VENDOR = '15b3';
/** Pods sharing one HCA through the RDMA shared device plugin. */
const RDMA_HCA_MAX = 63;
/** The one NicClusterPolicy the Network Operator reconciles must have this name. */
export const NIC_CLUSTER_POLICY_NAME = 'nic-cluster-policy';

export interface NicClusterPolicyProps {
  readonly site: Site;
  readonly images: Fleet['images'];
  readonly rails: RailPlan;
}

/**
 * The Network Operator's NicClusterPolicy: DOCA-OFED driver, the RDMA shared or SR-IOV device
 * plugin, Multus with the CNI plugins (and IPoIB on InfiniBand), and nv-ipam for the rail pools.
 * @see https://docs.nvidia.com/networking/display/kubernetes2641/customizations/cr-full-example.html
 */
export class NicClusterPolicy extends Construct {
  readonly resource: CustomResource;
  /** Device-plugin resource name a pod requests for rail `index`. */
  readonly resourceNameOf: (index: number) => string;

  constructor(scope: Construct, id: string, props: NicClusterPolicyProps) {
    super(scope, id);
    const { site, images, rails } = props;
    const component = (image: string) => ({ image, repository: images.networkOperatorRepository, version: images.networkOperatorVersion });
    const sriov = site.interconnect.devicePlugin === 'sriov';
    this.resourceNameOf = (index) => railResourceName(site, index);

    const devicePlugin = sriov
      ? {
          sriovDevicePlugin: {
            ...component('sriov-network-device-plugin'),
            config: JSON.stringify({
              resourceList: rails.rails.map((rail) => ({
                resourcePrefix: 'nvidia.com',
                resourceName: `rail_${rail.index}`,
                selectors: { vendors: [MELLANOX_VENDOR], isRdma: true, pfNames: [`${rail.interfaceName}#0-63`] },
              })),
            }),
          },
        }
      : {
          rdmaSharedDevicePlugin: {
            ...component('k8s-rdma-shared-dev-plugin'),
            config: JSON.stringify({
              configList: [
                {
                  resourceName: RDMA_SHARED_RESOURCE,
                  rdmaHcaMax: RDMA_HCA_MAX,
                  selectors: { vendors: [MELLANOX_VENDOR], ifNames: rails.rails.map((r) => r.interfaceName) },
                },
              ],
            }),
          },
        };

    // The driver container only where the fabric is (a driver upgrade drains the node: never the
    // storage hosts or other nodes with Mellanox NICs), and none where the hosts keep their own.
    const hostDriver = site.interconnect.nicDriver === 'host';
    const ofedDriver = {
      image: 'doca-driver',
      repository: images.networkOperatorRepository,
      version: images.docaDriverVersion,
      // One node at a time: a driver reload takes the node's fabric down.
      upgradePolicy: {
        autoUpgrade: true,
        maxParallelUpgrades: 1,
        drain: { enable: true, force: true, deleteEmptyDir: true, timeoutSeconds: 300 },
      },
      startupProbe: { initialDelaySeconds: 10, periodSeconds: 20 },
      livenessProbe: { initialDelaySeconds: 30, periodSeconds: 30 },
      readinessProbe: { initialDelaySeconds: 10, periodSeconds: 30 },
    };
    this.resource = new CustomResource(this, 'policy', {
      siteId: site.id,
      apiVersion: 'mellanox.com/v1alpha1',
      kind: 'NicClusterPolicy',
      metadata: { name: NIC_CLUSTER_POLICY_NAME },
      spec: {
        // Every DaemonSet of the policy (DOCA driver, device plugin, Multus, CNI plugins, IPoIB,
        // nv-ipam) runs on the rail pools' nodes, and there whatever pool taint they carry.
        tolerations: [...GPU_NODE_AGENT_TOLERATIONS],
        ...(rails.pools.length > 0
          ? {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: NODE_LABELS.pool, operator: 'In', values: rails.pools.map((p) => p.name) }] },
                  ],
                },
              },
            }
          : {}),
        // No rail pool, no node that needs the driver: without one, the policy would reach every node.
        ...(hostDriver || rails.pools.length === 0 ? {} : { ofedDriver }),
        ...devicePlugin,
        secondaryNetwork: {
          multus: component('multus-cni'),
          cniPlugins: component('plugins'),
          ...(site.interconnect.fabric === 'infiniband' ? { ipoib: component('ipoib-cni') } : {}),
        },
        nvIpam: { ...component('nvidia-k8s-ipam'), enableWebhook: false },
      },
    });
  }
}
