import { poolGpus, type NodePool, type Site } from '../../config';

/** The extended resource of a whole GPU. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The extended resource of one MIG instance of a profile (the GPU Operator's mixed strategy). */
export function migResource(profile: string): string {
  return `nvidia.com/mig-${profile}`;
}

/**
 * Whether a pool's GPUs are partitioned now. In Phase 1 every GPU stays whole, so the burn-in
 * (DCGM diagnostics, GEMM and copy, NCCL) covers the MIG pools too; the layout applies from Phase 2.
 */
export function migActive(site: Pick<Site, 'phase'>, pool: Pick<NodePool, 'mig'>): boolean {
  return pool.mig.strategy !== 'none' && site.phase === 2;
}

/**
 * What the GPU Operator advertises for a pool's GPUs. The cluster runs the mixed strategy
 * whenever a pool is partitioned, so MIG instances are always `nvidia.com/mig-<profile>` and a
 * whole-GPU request (`nvidia.com/gpu`) can never be given a slice, whatever the pool's layout.
 */
export function gpuResources(pool: NodePool, partitioned: boolean): Record<string, number> {
  const gpus = poolGpus(pool);
  if (!partitioned || pool.mig.strategy === 'none') return { [GPU_RESOURCE]: gpus };
  return Object.fromEntries(Object.entries(pool.mig.profiles ?? {}).map(([profile, count]) => [migResource(profile), gpus * count]));
}
