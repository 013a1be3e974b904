import type { RailPlan, Site } from '../../config';

/** RoCE v2 GID index on ConnectX with the default GID table (IPv4-mapped RoCE v2 entry). */
const ROCE_V2_GID_INDEX = '3';
/** The pod's primary interface, for NCCL's bootstrap sockets. */
const POD_INTERFACE = 'eth0';

/**
 * NCCL environment for jobs on a site, derived from the fabric config: the rail HCAs, the GID
 * index on RoCE, the socket interface, and rail affinity (no cross-rail traffic).
 * @see https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html
 */
export function ncclEnvironment(site: Pick<Site, 'interconnect'>, rails: RailPlan): Record<string, string> {
  return {
    // "=" makes NCCL match the names exactly instead of as prefixes (mlx5_1 would match mlx5_10).
    NCCL_IB_HCA: `=${rails.rails.map((r) => r.hca).join(',')}`,
    NCCL_SOCKET_IFNAME: POD_INTERFACE,
    NCCL_CROSS_NIC: '0',
    NCCL_IB_DISABLE: '0',
    ...(site.interconnect.fabric === 'roce' ? { NCCL_IB_GID_INDEX: ROCE_V2_GID_INDEX } : {}),
  };
}
