import { nvlinkDomainNodes, type RailPlan, type Site } from '../../config';

/** RoCE defaults when a site states none: DSCP 26 with ECN-capable transport, PFC on priority 3. */
export const ROCE_DEFAULTS = { trafficClass: 106, pfcPriority: 3, ecn: true } as const;
/** The pod's primary interface, for NCCL's bootstrap sockets. */
const POD_INTERFACE = 'eth0';

/**
 * NCCL environment for jobs on a site, derived from the fabric config: the rail HCAs, the traffic
 * class on RoCE, the socket interface, and rail affinity (no cross-rail traffic).
 * @see https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html
 */
export function ncclEnvironment(site: Pick<Site, 'interconnect' | 'nodePools'>, rails: RailPlan): Record<string, string> {
  return {
    // "=" makes NCCL match the names exactly instead of as prefixes (mlx5_1 would match mlx5_10).
    NCCL_IB_HCA: `=${rails.rails.map((r) => r.hca).join(',')}`,
    NCCL_SOCKET_IFNAME: POD_INTERFACE,
    NCCL_CROSS_NIC: '0',
    NCCL_IB_DISABLE: '0',
    // RoCE: no GID index. Pods reach the rails through macvlan, whose RoCE v2 GID sits at an index
    // that changes with the interfaces; NCCL picks the RoCE v2 IPv4 GID itself. The traffic class
    // puts RDMA on the lossless priority the switches are configured for.
    ...(site.interconnect.fabric === 'roce' ? { NCCL_IB_TC: String((site.interconnect.roce ?? ROCE_DEFAULTS).trafficClass) } : {}),
    // Multi-node NVLink needs IMEX channels in the pod (NVIDIA's DRA ComputeDomains), which jobs
    // placed through Kueue's topology do not get: NCCL crosses trays over the rails, and says so.
    ...(site.nodePools.some((pool) => nvlinkDomainNodes(pool) !== undefined) ? { NCCL_MNNVL_ENABLE: '0' } : {}),
  };
}
