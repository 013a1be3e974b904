/** Label keys this project writes on what it creates. */
export const LABEL_PREFIX = 'ai-factory.eu';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdktf' } as const;

/** Node labels published by the node-pool rules; Kueue flavours and topology select on them. */
export const NODE_LABELS = {
  pool: `${LABEL_PREFIX}/pool`,
  gpu: `${LABEL_PREFIX}/gpu`,
  block: `${LABEL_PREFIX}/block`,
  rack: `${LABEL_PREFIX}/rack`,
  hostname: 'kubernetes.io/hostname',
  /** Read by the GPU Operator's MIG manager to pick the node's layout. */
  migConfig: 'nvidia.com/mig.config',
} as const;

/** Taint on every GPU node: only pods that ask for the pool run there. */
export const GPU_POOL_TAINT = `${LABEL_PREFIX}/gpu-pool`;

/** Labels every object of a site carries. */
export function siteLabels(siteId: string): Record<string, string> {
  return { ...MANAGED_BY, [`${LABEL_PREFIX}/site`]: siteId };
}
