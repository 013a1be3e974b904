/** Label keys this project writes on what it creates. */
export const LABEL_PREFIX = 'ai-factory.eu';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdktf' } as const;

/** Labels every object of a site carries. */
export function siteLabels(siteId: string): Record<string, string> {
  return { ...MANAGED_BY, [`${LABEL_PREFIX}/site`]: siteId };
}
