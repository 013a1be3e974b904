/**
 * The rail plan of a site: which pools sit on the rail fabric, each rail's interface, HCA and
 * subnet carved from the site's rails block. Shared by the config checks and the constructs.
 */
import { carve, parseCidr, type Cidr } from './cidr';
import type { NodePool, Site } from './model';

export interface Rail {
  readonly index: number;
  /** `rail-<index>`: network, IP pool and device resource name. */
  readonly name: string;
  readonly interfaceName: string;
  readonly hca: string;
  readonly subnet: Cidr;
}

export interface RailPlan {
  readonly rails: readonly Rail[];
  /** Pools whose nodes connect to every rail. */
  readonly pools: readonly NodePool[];
  /** Addresses each node reserves per rail: one per GPU (one pod per GPU at most). */
  readonly perNodeBlockSize: number;
  /** Addresses one rail subnet must hold: every rail node's block. */
  readonly addressesNeeded: number;
  /** Usable addresses of one rail subnet (network and broadcast excluded). */
  readonly addressesAvailable: number;
}

/** Rails a pool connects to (see `nodePools[].rails`). */
export function poolRails(pool: Pick<NodePool, 'rails' | 'nicsPerNode'>, railsPerNode: number): number {
  return pool.rails ?? (pool.nicsPerNode >= railsPerNode ? railsPerNode : 0);
}

export function defaultRailInterface(fabric: Site['interconnect']['fabric'], index: number): string {
  return fabric === 'infiniband' ? `ib${index}` : `rail${index}`;
}

/** The compute ports of the first rail pool whose system names them, if any. */
export function systemRailPorts(
  pools: readonly Pick<NodePool, 'system'>[],
): readonly { hca: string; interface?: string; ethernetInterface?: string }[] | undefined {
  return pools.find((p) => p.system?.computePorts)?.system?.computePorts;
}

/** Smallest power of two at least `n`. */
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export function railPlan(site: Pick<Site, 'interconnect' | 'nodePools'>): RailPlan {
  const { railsPerNode, addressPlan, fabric } = site.interconnect;
  const pools = site.nodePools.filter((p) => poolRails(p, railsPerNode) > 0);
  const block = parseCidr(addressPlan.rails);
  const prefix = Math.min(32, block.prefix + Math.ceil(Math.log2(railsPerNode)));
  const subnets = carve(block, prefix, railsPerNode);
  const perNodeBlockSize = pow2(Math.max(1, ...pools.map((p) => p.gpusPerNode)));
  // The rail pools' system names its compute ports (the loader checks the pools agree).
  const ports = systemRailPorts(pools);
  const rails = subnets.map((subnet, index) => ({
    index,
    name: `rail-${index}`,
    interfaceName:
      site.interconnect.railInterfaces?.[index] ??
      (fabric === 'roce' ? ports?.[index]?.ethernetInterface : ports?.[index]?.interface) ??
      defaultRailInterface(fabric, index),
    hca: site.interconnect.railHcas?.[index] ?? ports?.[index]?.hca ?? `mlx5_${index}`,
    subnet,
  }));
  return {
    rails,
    pools,
    perNodeBlockSize,
    addressesNeeded: pools.reduce((sum, p) => sum + p.nodes, 0) * perNodeBlockSize,
    addressesAvailable: Math.max(0, 2 ** (32 - prefix) - 2),
  };
}
