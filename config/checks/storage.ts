/**
 * Rook-Ceph as the hardware allows it: enough failure domains for every pool to place (and, for
 * erasure coding, heal) its data, raw capacity for every tier with its pool's overhead, named
 * devices, and a cluster network of its own. The pool layout lives here, not in the construct,
 * because config never imports constructs: CephStorage builds its pools from these constants.
 */
import { networkOf, overlaps, parseCidr } from '../cidr';
import type { Site } from '../model';
import { checkAddressBlocks } from './address-plan';
import { at, type Finding, type SiteRef } from './finding';

/**
 * Ceph's default nearfull ratio: past it the cluster warns and recovery after a failure has
 * little room left, so the tiers must fit below it.
 * @see https://docs.ceph.com/en/latest/rados/configuration/mon-config-ref/#storage-capacity
 */
export const NEARFULL_RATIO = 0.85;

export interface Replicated {
  readonly replicas: number;
}
export interface ErasureCoded {
  readonly dataChunks: number;
  readonly codingChunks: number;
}
export type PoolProtection = Replicated | ErasureCoded;

/**
 * How each tier's pool keeps its data. Scratch is re-creatable: two copies trade durability for
 * capacity and write speed. Object data is erasure coded 4+2 (1.5x raw), surviving two failures.
 */
export const TIER_POOLS = {
  scratch: { replicas: 2 },
  datasets: { replicas: 3 },
  checkpoints: { replicas: 3 },
  object: { dataChunks: 4, codingChunks: 2 },
} as const satisfies Record<string, PoolProtection>;
export type CephTier = keyof typeof TIER_POOLS;
const CEPH_TIERS = Object.keys(TIER_POOLS) as CephTier[];
/** Replicas of the CephFS and object store metadata pools. */
export const METADATA_REPLICAS = 3;

export type StorageHosts = NonNullable<Site['storage']['hosts']>;

const isErasureCoded = (p: PoolProtection): p is ErasureCoded => 'dataChunks' in p;

/**
 * Failure domains a pool needs: one per replica; k+m+1 for erasure coding, so that after losing
 * one domain Ceph can rebuild every chunk somewhere else.
 */
export function failureDomainsNeeded(p: PoolProtection): number {
  return isErasureCoded(p) ? p.dataChunks + p.codingChunks + 1 : p.replicas;
}

/** Raw bytes a pool writes per byte stored. */
export function rawOverhead(p: PoolProtection): number {
  return isErasureCoded(p) ? (p.dataChunks + p.codingChunks) / p.dataChunks : p.replicas;
}

/** Hosts, or racks of hostsPerRack hosts in number order (the last one may be short). */
export function failureDomainCount(hosts: StorageHosts): number {
  return hosts.failureDomain === 'rack' ? Math.ceil(hosts.count / (hosts.hostsPerRack ?? hosts.count)) : hosts.count;
}

/** The storage hosts by name (`<prefix>-n01`, ...), with their rack (1-based) when racks are the failure domain. */
export function storageHosts(storage: Pick<Site['storage'], 'nodeNamePrefix' | 'hosts'>): { name: string; rack?: number }[] {
  const { hosts, nodeNamePrefix } = storage;
  if (!hosts) return [];
  return Array.from({ length: hosts.count }, (_, i) => ({
    name: `${nodeNamePrefix}-n${String(i + 1).padStart(hosts.numberDigits, '0')}`,
    ...(hosts.failureDomain === 'rack' ? { rack: Math.floor(i / (hosts.hostsPerRack ?? hosts.count)) + 1 } : {}),
  }));
}

/** Raw capacity of the storage hosts, TB. */
export function rawCapacityTB(hosts: StorageHosts): number {
  return hosts.count * hosts.devices.perHost * hosts.devices.sizeTB;
}

/** Raw capacity the tiers need, TB: each tier times its pool's overhead, kept below the nearfull ratio. */
export function neededRawTB(tiers: Site['storage']['tiers']): number {
  return CEPH_TIERS.reduce((sum, t) => sum + tiers[`${t}TB`] * rawOverhead(TIER_POOLS[t]), 0) / NEARFULL_RATIO;
}

/** A Rook-Ceph site declares its storage hosts and devices; an external one declares none. */
export function checkStorage(site: Site, ref: SiteRef): Finding[] {
  const { storage } = site;
  if (storage.backend !== 'rook-ceph') {
    return (['hosts', 'clusterNetwork'] as const)
      .filter((key) => storage[key] !== undefined)
      .map((key) =>
        at(ref, ['storage', key], `is set but backend is "${storage.backend}" (Ceph runs only with backend rook-ceph; remove it)`),
      );
  }
  const { hosts } = storage;
  if (!hosts) {
    return [
      at(
        ref,
        ['storage', 'backend'],
        '"rook-ceph" needs storage.hosts { count, devices: { perHost, sizeTB, deviceClass, deviceFilter } }: the hosts and devices Ceph may use',
      ),
    ];
  }
  const racks = checkRacks(hosts, ref);
  return [
    ...racks,
    ...checkDevices(hosts, ref),
    ...(racks.length === 0 ? checkFailureDomains(hosts, ref) : []),
    ...checkRawCapacity(site, hosts, ref),
    ...checkStorageNetworks(site, hosts, ref),
  ];
}

function checkRacks(hosts: StorageHosts, ref: SiteRef): Finding[] {
  const path = ['storage', 'hosts'];
  if (hosts.failureDomain === 'rack' && hosts.hostsPerRack === undefined) {
    return [at(ref, [...path, 'failureDomain'], '"rack" needs hostsPerRack (how many hosts, in number order, share a rack)')];
  }
  if (hosts.failureDomain === 'host' && hosts.hostsPerRack !== undefined) {
    return [at(ref, [...path, 'hostsPerRack'], 'is set but failureDomain is "host" (set failureDomain: rack, or remove it)')];
  }
  if (hosts.hostsPerRack !== undefined && hosts.hostsPerRack > hosts.count) {
    return [
      at(ref, [...path, 'hostsPerRack'], `${hosts.hostsPerRack} is more than the ${hosts.count} hosts (allowed: at most ${hosts.count})`),
    ];
  }
  return [];
}

/** Exactly one filter, and one Rook (Go, RE2) can compile: Ceph must never take every disk of a host. */
function checkDevices(hosts: StorageHosts, ref: SiteRef): Finding[] {
  const path = ['storage', 'hosts', 'devices'];
  const { deviceFilter, devicePathFilter } = hosts.devices;
  if (deviceFilter === undefined && devicePathFilter === undefined) {
    return [
      {
        ...at(
          ref,
          path,
          'names no devices (allowed: deviceFilter on kernel names, e.g. "^nvme[0-9]+n1$", or devicePathFilter on paths, e.g. "^/dev/disk/by-id/nvme-.*"); Ceph never takes every disk of a host',
        ),
        onKey: true,
      },
    ];
  }
  if (deviceFilter !== undefined && devicePathFilter !== undefined) {
    return [at(ref, [...path, 'devicePathFilter'], 'is set together with deviceFilter (allowed: one of them)')];
  }
  const [key, pattern] = deviceFilter !== undefined ? ['deviceFilter', deviceFilter] : ['devicePathFilter', devicePathFilter!];
  const problem = regexProblem(pattern);
  return problem ? [at(ref, [...path, key], `"${pattern}" ${problem}`)] : [];
}

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (e) {
    // "Invalid regular expression: /(/: Unterminated group": the reason is the last part.
    const reason = String((e as Error).message)
      .split(': ')
      .pop();
    return `is not a regular expression (${reason})`;
  }
  // Valid in JavaScript, refused by Go's RE2, which Rook matches with.
  if (/\(\?<?[=!]|\\[1-9]/.test(pattern)) return 'uses lookaround or a backreference, which Rook (Go regular expressions) does not support';
  return undefined;
}

function checkFailureDomains(hosts: StorageHosts, ref: SiteRef): Finding[] {
  const domains = failureDomainCount(hosts);
  const pools: { name: string; protection: PoolProtection }[] = [
    ...CEPH_TIERS.map((t) => ({ name: t, protection: TIER_POOLS[t] })),
    { name: 'metadata', protection: { replicas: METADATA_REPLICAS } },
  ];
  const short = pools.filter((p) => failureDomainsNeeded(p.protection) > domains);
  if (short.length === 0) return [];
  const reasons: string[] = [];
  for (const replicas of [...new Set(short.flatMap((p) => (isErasureCoded(p.protection) ? [] : [p.protection.replicas])))]) {
    const names = short.filter((p) => !isErasureCoded(p.protection) && p.protection.replicas === replicas).map((p) => p.name);
    reasons.push(
      `${listed(names)} ${names.length === 1 ? 'keeps' : 'keep'} ${replicas} replicas and need${names.length === 1 ? 's' : ''} ${replicas}`,
    );
  }
  for (const { name, protection } of short) {
    if (!isErasureCoded(protection)) continue;
    const { dataChunks: k, codingChunks: m } = protection;
    reasons.push(`${name} is erasure coded ${k}+${m} and needs k+m+1 = ${k + m + 1} to place its chunks and heal after losing one`);
  }
  const need = Math.max(...short.map((p) => failureDomainsNeeded(p.protection)));
  if (hosts.failureDomain === 'host') {
    return [
      at(
        ref,
        ['storage', 'hosts', 'count'],
        `${hosts.count} hosts are ${domains} failure domains (failureDomain host); ${reasons.join('; ')} (allowed: at least ${need} hosts)`,
      ),
    ];
  }
  let fits = 0;
  for (let perRack = hosts.count; perRack >= 1 && fits === 0; perRack--) if (Math.ceil(hosts.count / perRack) >= need) fits = perRack;
  const allowed =
    fits > 0 ? `hostsPerRack ${fits} or fewer for ${hosts.count} hosts` : `add hosts: ${hosts.count} cannot make ${need} racks`;
  return [
    at(
      ref,
      ['storage', 'hosts', 'hostsPerRack'],
      `${hosts.count} hosts at ${hosts.hostsPerRack} per rack are ${domains} racks (failureDomain rack); ${reasons.join('; ')} (allowed: at least ${need} racks, i.e. ${allowed})`,
    ),
  ];
}

const pb = (tb: number) => (tb / 1000).toFixed(2);

/**
 * Hosts in the largest failure domain: Ceph re-replicates its data onto the others while it heals,
 * so the tiers must fit without it (a host, or a whole rack).
 */
function largestDomainHosts(hosts: StorageHosts): number {
  // Rack settings that do not make racks are reported on their own; count a host then.
  return hosts.failureDomain === 'rack' && hosts.hostsPerRack && hosts.hostsPerRack < hosts.count ? hosts.hostsPerRack : 1;
}

function checkRawCapacity(site: Site, hosts: StorageHosts, ref: SiteRef): Finding[] {
  const { tiers } = site.storage;
  const raw = rawCapacityTB(hosts);
  const lost = largestDomainHosts(hosts);
  const surviving = (raw * (hosts.count - lost)) / hosts.count;
  const needed = neededRawTB(tiers);
  if (surviving >= needed - 1e-9) return [];
  const domain = hosts.failureDomain === 'rack' ? `a rack of ${lost} hosts` : 'a host';
  const terms = CEPH_TIERS.map((t) => `${t} ${tiers[`${t}TB`]} TB x ${rawOverhead(TIER_POOLS[t])}`);
  return [
    {
      ...at(
        ref,
        ['storage', 'hosts'],
        `${hosts.count} hosts x ${hosts.devices.perHost} devices x ${hosts.devices.sizeTB} TB give ${pb(raw)} PB raw, ${pb(surviving)} PB with ${domain} lost (Ceph heals onto the rest); the tiers need ${pb(needed)} PB raw: ` +
          `${terms.join(' + ')} = ${pb(needed * NEARFULL_RATIO)} PB written, at most ${NEARFULL_RATIO * 100}% full (Ceph's nearfull ratio) ` +
          '(allowed: more hosts or devices, or smaller tiers)',
      ),
      onKey: true,
    },
  ];
}

/** Usable host addresses of a block (network and broadcast excluded). */
const hostAddresses = (prefix: number) => 2 ** (32 - prefix) - 2;

/**
 * The storage network holds the storage hosts; a cluster network is held to the storage block's
 * rules (checked in its place, so the rules live in one place), holds the hosts, and overlaps
 * none of the site's blocks.
 */
function checkStorageNetworks(site: Site, hosts: StorageHosts, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const plan = site.interconnect.addressPlan;
  const holdsHosts = (path: (string | number)[], text: string) => {
    const cidr = parseCidr(text);
    if (hostAddresses(cidr.prefix) >= hosts.count) return;
    let prefix = cidr.prefix;
    while (hostAddresses(prefix) < hosts.count && prefix > 0) prefix--;
    findings.push(
      at(
        ref,
        path,
        `"${text}" has room for ${hostAddresses(cidr.prefix)} hosts; the site has ${hosts.count} storage hosts (allowed: /${prefix} or larger)`,
      ),
    );
  };
  holdsHosts(['interconnect', 'addressPlan', 'storage'], plan.storage);
  const { clusterNetwork } = site.storage;
  if (clusterNetwork === undefined) return findings;
  const path = ['storage', 'clusterNetwork'];
  const asStorage: Site = { ...site, interconnect: { ...site.interconnect, addressPlan: { ...plan, storage: clusterNetwork } } };
  const own = checkAddressBlocks(asStorage, ref).filter((f) => f.path.length === ref.base.length + 3 && f.path.at(-1) === 'storage');
  findings.push(...own.map((f) => ({ ...f, path: [...ref.base, ...path] })));
  const cidr = parseCidr(clusterNetwork);
  if (networkOf(cidr) !== cidr.text) return findings;
  for (const key of ['rails', 'pods', 'services', 'storage'] as const) {
    const block = parseCidr(plan[key]);
    // A misaligned block is reported as such by checkAddressBlocks, not as overlapping this one.
    if (networkOf(block) === block.text && overlaps(cidr, block)) {
      findings.push(
        at(
          ref,
          path,
          `"${clusterNetwork}" overlaps this site's ${key} "${block.text}" (allowed: a block of its own, outside the address plan)`,
        ),
      );
    }
  }
  holdsHosts(path, clusterNetwork);
  return findings;
}

function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
