import { networkOf, overlaps, parseCidr, parseIpv4, type Cidr } from '../cidr';
import type { Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

const NETWORKS = ['rails', 'pods', 'services', 'storage'] as const;
type Network = (typeof NETWORKS)[number];

/** Private (RFC 1918) and shared (RFC 6598) ranges: cluster networks are never routable on the internet. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map(parseCidr);

/**
 * Smallest (largest prefix) and largest block each network may be: pods and services need room
 * for a real cluster; kube-apiserver refuses a service range wider than /12.
 */
const SIZES: Record<Network, { maxPrefix: number; minPrefix: number }> = {
  rails: { maxPrefix: 24, minPrefix: 8 },
  pods: { maxPrefix: 24, minPrefix: 8 },
  services: { maxPrefix: 24, minPrefix: 12 },
  storage: { maxPrefix: 28, minPrefix: 8 },
};

interface Block {
  readonly cidr: Cidr;
  readonly site: Site;
  readonly ref: SiteRef;
  /** Where the block is written, under the site, and what messages call it. */
  readonly path: readonly (string | number)[];
  readonly key: Network | 'clusterNetwork';
}

const aligned = (cidr: Cidr) => networkOf(cidr) === cidr.text;

/** Each of a site's blocks is aligned, private, of a sensible size, and holds none of its uplink endpoints. */
export function checkAddressBlocks(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const blocks = NETWORKS.map((key) => ({ key, cidr: parseCidr(site.interconnect.addressPlan[key]) }));
  for (const { key, cidr } of blocks) {
    const path = ['interconnect', 'addressPlan', key];
    if (!aligned(cidr)) {
      findings.push(at(ref, path, `"${cidr.text}" has host bits set (did you mean "${networkOf(cidr)}"?)`));
      continue;
    }
    if (!PRIVATE_RANGES.some((range) => range.start <= cidr.start && cidr.end <= range.end)) {
      findings.push(
        at(ref, path, `"${cidr.text}" is not a private range (allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)`),
      );
    }
    const { maxPrefix, minPrefix } = SIZES[key];
    if (cidr.prefix > maxPrefix) findings.push(at(ref, path, `"${cidr.text}" is too small for ${key} (allowed: /${maxPrefix} or larger)`));
    if (cidr.prefix < minPrefix) findings.push(at(ref, path, `"${cidr.text}" is too large for ${key} (allowed: /${minPrefix} or smaller)`));
  }
  site.interconnect.uplinks.forEach((uplink, u) => {
    const address = parseIpv4(uplink.endpoint);
    const inside = blocks.find(({ cidr }) => cidr.start <= address && address <= cidr.end);
    if (inside) {
      findings.push(
        at(
          ref,
          ['interconnect', 'uplinks', u, 'endpoint'],
          `${uplink.endpoint} is inside this site's own ${inside.key} block "${inside.cidr.text}" (allowed: the peer's address across the WAN link)`,
        ),
      );
    }
  });
  return findings;
}

/**
 * No two address blocks overlap, within a site or across the whole fleet (sites are routed to
 * each other and to the research networks), Ceph cluster networks included. Sort-and-sweep keeps it O(n log n) in the blocks.
 * Misaligned blocks are reported by checkAddressBlocks and left out here. A conflict between two
 * files is reported on the changed one when `isChanged` tells.
 */
export function checkAddressPlans(
  sites: readonly { site: Site; ref: SiteRef }[],
  isChanged: (file: string) => boolean = () => false,
): Finding[] {
  const findings: Finding[] = [];
  const blocks: Block[] = [];
  for (const { site, ref } of sites) {
    for (const key of NETWORKS) {
      const cidr = parseCidr(site.interconnect.addressPlan[key]);
      if (aligned(cidr)) blocks.push({ cidr, site, ref, key, path: ['interconnect', 'addressPlan', key] });
    }
    // Ceph's cluster network, where a site has its own: routed like the rest, so unique too.
    const cluster = site.storage.backend === 'rook-ceph' ? site.storage.clusterNetwork : undefined;
    if (cluster !== undefined && aligned(parseCidr(cluster)))
      blocks.push({ cidr: parseCidr(cluster), site, ref, key: 'clusterNetwork', path: ['storage', 'clusterNetwork'] });
  }
  blocks.sort((a, b) => a.cidr.start - b.cidr.start || b.cidr.end - a.cidr.end);
  let widest: Block | undefined;
  for (const block of blocks) {
    // Within a site, the storage check reports a cluster network's overlap in its own words.
    const sameSiteCluster = widest?.site === block.site && (widest.key === 'clusterNetwork' || block.key === 'clusterNetwork');
    if (widest && overlaps(widest.cidr, block.cidr) && !sameSiteCluster) {
      const [blamed, other] = isChanged(widest.ref.file) && !isChanged(block.ref.file) ? [widest, block] : [block, widest];
      const where = other.site === blamed.site ? `this site's ${other.key}` : `${other.site.id} ${other.key} (${other.site.file})`;
      findings.push(
        at(
          blamed.ref,
          [...blamed.path],
          `"${blamed.cidr.text}" overlaps ${where} "${other.cidr.text}"; every block must be unique across the fleet`,
        ),
      );
    }
    if (!widest || block.cidr.end > widest.cidr.end) widest = block;
  }
  return findings;
}
