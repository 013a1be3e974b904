/**
 * The resolved fleet model handed to constructs and stacks: config with fleet defaults applied
 * and catalogue ids replaced by their typed specs.
 */
import { GPUS, GUESSED_PER_GPU, KERNEL_VISIBLE_MEMORY, NICS, SYSTEMS, type GpuSpec, type NicSpec, type SystemProfile } from './catalogue';
import type { AcceptanceThresholds, BackendConfig, ChartKey, ChartPin, FleetFile, NodePoolConfig, SiteConfig, SiteFile } from './schema';
import { poolRails } from './rails';

export type Country = SiteFile['country'];

export interface NodePool extends Omit<NodePoolConfig, 'gpu' | 'nic' | 'nodeOverheadW' | 'system' | 'cpusPerNode' | 'memoryGiBPerNode'> {
  readonly gpu: GpuSpec;
  readonly nic: NicSpec;
  /** The node's system profile, when the pool names one. */
  readonly system?: SystemProfile;
  /** CPUs per node as the kubelet counts them: the pool's, else its system's cores x threads, else a guess. */
  readonly cpusPerNode: number;
  /** Memory per node, GiB: the pool's, else its system's, else a guess. */
  readonly memoryGiBPerNode: number;
  /**
   * What pods can have of a node, what quotas count: its CPUs, and the memory the kernel sees of what
   * is installed, less the fleet's `nodeReserved`.
   */
  readonly allocatable: { readonly cpus: number; readonly memoryGiB: number };
  /** Which of the node's sizes are the documented guess (no system, not stated). */
  readonly guessed: { readonly cpus: boolean; readonly memoryGiB: boolean };
  /** Non-GPU power per node, W. */
  readonly nodeOverheadW: number;
}

export interface Acceptance extends AcceptanceThresholds {
  readonly signOff?: { readonly date: string; readonly report: string };
}

export interface Site extends Omit<SiteConfig, 'nodePools' | 'acceptance' | 'gpuDriverVersion'> {
  readonly country: Country;
  /** Config file the site came from, for messages. */
  readonly file: string;
  readonly gpuDriverVersion: string;
  readonly nodePools: readonly NodePool[];
  readonly acceptance: Acceptance;
}

export interface Fleet {
  readonly name: string;
  readonly charts: Readonly<Record<ChartKey, ChartPin>>;
  readonly backend: BackendConfig;
  readonly images: FleetFile['images'];
  readonly waves: FleetFile['waves'];
  readonly sites: readonly Site[];
}

export function resolveSite(fleet: FleetFile, country: Country, file: string, site: SiteConfig): Site {
  const { signOff, ...thresholds } = site.acceptance;
  const defined = Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined));
  return {
    ...site,
    country,
    file,
    gpuDriverVersion: site.gpuDriverVersion ?? fleet.defaults.gpuDriverVersion,
    nodePools: site.nodePools.map((pool) => {
      const system: SystemProfile | undefined = pool.system ? SYSTEMS[pool.system] : undefined;
      const cpusPerNode = pool.cpusPerNode ?? (system ? system.cpuCores * system.threadsPerCore : GUESSED_PER_GPU.cpus * pool.gpusPerNode);
      const memoryGiBPerNode = pool.memoryGiBPerNode ?? system?.memoryGiB ?? GUESSED_PER_GPU.memoryGiB * pool.gpusPerNode;
      const reserved = fleet.defaults.nodeReserved;
      return {
        ...pool,
        system,
        gpu: GPUS[pool.gpu],
        nic: NICS[pool.nic ?? fleet.defaults.nic],
        nodeOverheadW: pool.nodeOverheadW ?? fleet.defaults.nodeOverheadW,
        cpusPerNode,
        memoryGiBPerNode,
        allocatable: {
          cpus: Math.max(0, cpusPerNode - reserved.cpus),
          memoryGiB: Math.max(0, Math.floor(memoryGiBPerNode * KERNEL_VISIBLE_MEMORY) - reserved.memoryGiB),
        },
        guessed: { cpus: pool.cpusPerNode === undefined && !system, memoryGiB: pool.memoryGiBPerNode === undefined && !system },
      };
    }),
    acceptance: { ...fleet.acceptance, ...defined, ...(signOff ? { signOff } : {}) },
  };
}

/** GPUs in a pool. */
export function poolGpus(pool: Pick<NodePool, 'nodes' | 'gpusPerNode'>): number {
  return pool.nodes * pool.gpusPerNode;
}

/**
 * Nodes one multi-node NVLink domain holds (18 GB200 NVL72 trays), or undefined where the domain
 * ends at the node (an HGX board, a PCIe card). GPU Feature Discovery labels such nodes with their
 * domain (`nvidia.com/gpu.clique`), which Kueue can place a job inside.
 */
export function nvlinkDomainNodes(pool: Pick<NodePool, 'gpu' | 'gpusPerNode'>): number | undefined {
  const { gpu } = pool;
  return gpu.vendor === 'nvidia' && gpu.scaleUpDomainGpus > pool.gpusPerNode ? gpu.scaleUpDomainGpus / pool.gpusPerNode : undefined;
}

/** GPUs in a site. */
export function siteGpus(site: Pick<Site, 'nodePools'>): number {
  return site.nodePools.reduce((sum, pool) => sum + poolGpus(pool), 0);
}

/** CPUs pods can have across a site (what the quotas share out). */
export function siteCpus(site: Pick<Site, 'nodePools'>): number {
  return site.nodePools.reduce((sum, pool) => sum + pool.nodes * pool.allocatable.cpus, 0);
}

/** Memory pods can have across a site, GiB. */
export function siteMemoryGiB(site: Pick<Site, 'nodePools'>): number {
  return site.nodePools.reduce((sum, pool) => sum + pool.nodes * pool.allocatable.memoryGiB, 0);
}

/** IT power of a site at full load, W: GPUs at TDP plus each node's overhead. */
export function siteItPowerW(site: Pick<Site, 'nodePools'>): number {
  return site.nodePools.reduce((sum, pool) => sum + pool.nodes * (pool.gpusPerNode * pool.gpu.tdpW + pool.nodeOverheadW), 0);
}

/** Facility power of a site at full load, W (IT power times PUE). */
export function siteFacilityPowerW(site: Pick<Site, 'nodePools' | 'energy'>): number {
  return siteItPowerW(site) * site.energy.pue;
}

/** Dense BF16 throughput of a site, PFLOP/s. */
export function siteBf16Pflops(site: Pick<Site, 'nodePools'>): number {
  return site.nodePools.reduce((sum, pool) => sum + (poolGpus(pool) * pool.gpu.bf16DenseTflops) / 1000, 0);
}

/**
 * Nodes a pool lends the Phase 2 health checks each week: two for pools on the rails (an RDMA
 * pair, a small NCCL group), one otherwise; none for partitioned (MIG) pools, whose GPUs are
 * only checked whole, in Phase 1.
 */
export function healthCheckNodes(pool: Pick<NodePool, 'nodes' | 'mig' | 'rails' | 'nicsPerNode'>, railsPerNode: number): number {
  if (pool.mig.strategy !== 'none') return 0;
  return Math.min(pool.nodes, poolRails(pool, railsPerNode) > 0 ? 2 : 1);
}

/** GPUs of each pool the health checks keep out of the programme quotas. */
export function healthCheckReserveGpus(site: Pick<Site, 'nodePools' | 'interconnect'>): number[] {
  return site.nodePools.map((pool) => healthCheckNodes(pool, site.interconnect.railsPerNode) * pool.gpusPerNode);
}

/** DNS domain of a site's model endpoints (`<service>-<tenant>.<domain>`). */
export function inferenceDomain(site: Pick<Site, 'id' | 'services'>): string {
  return site.services.inference?.domain ?? `inference.${site.id}.ai-factory.eu`;
}
