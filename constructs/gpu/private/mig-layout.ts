import { stringify } from 'yaml';
import type { NodePool } from '../../../config';

/** The layout every GPU gets unless its node is labelled with another. */
export const MIG_DISABLED = 'all-disabled';

/** Name of a pool's layout in the mig-parted config, and the node label value that selects it. */
export function migLayoutName(pool: Pick<NodePool, 'name'>): string {
  return `factory-${pool.name}`;
}

/**
 * The mig-parted config the GPU Operator's MIG manager reads: one layout per partitioned pool,
 * every GPU of a node cut the same way.
 * @see https://github.com/NVIDIA/mig-parted#configuration-file-format
 */
export function migPartedConfig(pools: readonly NodePool[]): string {
  const configs: Record<string, unknown[]> = { [MIG_DISABLED]: [{ devices: 'all', 'mig-enabled': false }] };
  for (const pool of pools) {
    if (pool.mig.strategy === 'none' || !pool.mig.profiles) continue;
    configs[migLayoutName(pool)] = [{ devices: 'all', 'mig-enabled': true, 'mig-devices': { ...pool.mig.profiles } }];
  }
  return stringify({ version: 'v1', 'mig-configs': configs });
}
