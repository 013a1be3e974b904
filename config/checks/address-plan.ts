import { networkOf, overlaps, parseCidr, type Cidr } from '../cidr';
import type { Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

const NETWORKS = ['rails', 'pods', 'services', 'storage'] as const;

interface Block { readonly cidr: Cidr; readonly site: Site; readonly ref: SiteRef; readonly key: (typeof NETWORKS)[number] }

/**
 * No two address blocks overlap, within a site or across the whole fleet (sites are routed to
 * each other and to the research networks). Sort-and-sweep keeps it O(n log n) in the blocks.
 */
export function checkAddressPlans(sites: readonly { site: Site; ref: SiteRef }[]): Finding[] {
  const findings: Finding[] = [];
  const blocks: Block[] = [];
  for (const { site, ref } of sites) {
    for (const key of NETWORKS) {
      const cidr = parseCidr(site.interconnect.addressPlan[key]);
      const aligned = networkOf(cidr);
      if (aligned !== cidr.text) {
        findings.push(at(ref, ['interconnect', 'addressPlan', key], `"${cidr.text}" has host bits set (did you mean "${aligned}"?)`));
      }
      blocks.push({ cidr, site, ref, key });
    }
  }
  blocks.sort((a, b) => a.cidr.start - b.cidr.start || b.cidr.end - a.cidr.end);
  let widest: Block | undefined;
  for (const block of blocks) {
    if (widest && overlaps(widest.cidr, block.cidr)) {
      const where = widest.site === block.site ? `this site's ${widest.key}` : `${widest.site.id} ${widest.key} (${widest.site.file})`;
      findings.push(at(block.ref, ['interconnect', 'addressPlan', block.key], `"${block.cidr.text}" overlaps ${where} "${widest.cidr.text}"; every block must be unique across the fleet`));
    }
    if (!widest || block.cidr.end > widest.cidr.end) widest = block;
  }
  return findings;
}
