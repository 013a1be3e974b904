import type { Site } from '../config';
import {
  checkStorage,
  failureDomainCount,
  failureDomainsNeeded,
  METADATA_REPLICAS,
  NEARFULL_RATIO,
  neededRawTB,
  rawCapacityTB,
  rawOverhead,
  TIER_POOLS,
} from '../config/checks/storage';
import { formatKeyPath } from '../config/source';
import { ConfigCopy, FIXTURE_CONFIG_DIR, LIVE_CONFIG_DIR, loadOrThrow, site } from './util';

type Hosts = NonNullable<Site['storage']['hosts']>;
const PLAN = {
  rails: '10.10.0.0/16',
  pods: '10.11.0.0/16',
  services: '10.12.0.0/20',
  storage: '10.12.16.0/20',
};
/** Tiers that need 27.5 PB written (Prague's): 32.35 PB raw at 85% full. */
const TIERS = {
  scratchTB: 1000,
  datasetsTB: 4000,
  checkpointsTB: 2000,
  objectTB: 5000,
};

/** A Rook-Ceph site of its own (address plan, tiers, hosts), so no fleet number shows through. */
function cephSite(hosts: Partial<Hosts> = {}, storage: Partial<Site['storage']> = {}): Site {
  const base = site('cz-prague');
  return {
    ...base,
    interconnect: { ...base.interconnect, addressPlan: PLAN, uplinks: [] },
    storage: {
      backend: 'rook-ceph',
      tiers: TIERS,
      nodeNamePrefix: 'storage',
      ...storage,
      hosts: {
        count: 24,
        numberDigits: 2,
        failureDomain: 'host',
        devices: {
          perHost: 24,
          sizeTB: 61.44,
          deviceClass: 'nvme',
          deviceFilter: '^nvme[0-9]+n1$',
        },
        ...hosts,
      },
    },
  };
}
const problems = (s: Site) =>
  checkStorage(s, { file: 'sites/cz.yaml', base: ['sites', 0] }).map((f) => `${formatKeyPath(f.path)}: ${f.message}`);
const devices = (d: Partial<Hosts['devices']>): Hosts['devices'] => ({
  perHost: 24,
  sizeTB: 61.44,
  deviceClass: 'nvme',
  deviceFilter: '^nvme[0-9]+n1$',
  ...d,
});

describe('pool arithmetic', () => {
  test('replicas need one failure domain each and write each byte that many times', () => {
    expect(failureDomainsNeeded({ replicas: 3 })).toBe(3);
    expect(rawOverhead({ replicas: 2 })).toBe(2);
  });

  test('erasure coding k+m needs k+m+1 failure domains to heal and writes (k+m)/k', () => {
    expect(failureDomainsNeeded(TIER_POOLS.object)).toBe(7);
    expect(rawOverhead(TIER_POOLS.object)).toBe(1.5);
  });

  test("the tiers' raw need is the written bytes over the nearfull ratio", () => {
    expect(NEARFULL_RATIO).toBe(0.85);
    expect(neededRawTB(TIERS) * NEARFULL_RATIO).toBeCloseTo(27_500);
    expect(rawCapacityTB(cephSite().storage.hosts!)).toBeCloseTo(35_389.44);
  });

  test('racks of hostsPerRack hosts are the failure domains; the last may be short', () => {
    expect(failureDomainCount(cephSite({ failureDomain: 'rack', hostsPerRack: 4, count: 26 }).storage.hosts!)).toBe(7);
    expect(failureDomainCount(cephSite({ count: 26 }).storage.hosts!)).toBe(26);
  });
});

describe('storage check', () => {
  test('passes a site whose hosts place, heal and hold every tier', () => {
    expect(problems(cephSite())).toEqual([]);
    expect(problems(cephSite({ count: 27, failureDomain: 'rack', hostsPerRack: 3 }, { clusterNetwork: '10.12.32.0/20' }))).toEqual([]);
  });

  test('fails when a Rook-Ceph site declares no hosts', () => {
    expect(
      problems({
        ...cephSite(),
        storage: { ...cephSite().storage, hosts: undefined },
      }),
    ).toEqual([
      'sites[0].storage.backend: "rook-ceph" needs storage.hosts { count, devices: { perHost, sizeTB, deviceClass, deviceFilter } }: the hosts and devices Ceph may use',
    ]);
  });

  test('fails when an external site declares Ceph hosts or a cluster network', () => {
    const s = cephSite({}, { backend: 'external', clusterNetwork: '10.12.32.0/20' });
    expect(problems(s)).toEqual([
      'sites[0].storage.hosts: is set but backend is "external" (Ceph runs only with backend rook-ceph; remove it)',
      'sites[0].storage.clusterNetwork: is set but backend is "external" (Ceph runs only with backend rook-ceph; remove it)',
    ]);
  });

  test('fails when there are fewer hosts than the erasure-coded pool needs to place and heal (k+m+1)', () => {
    expect(problems(cephSite({ count: 6, devices: devices({ perHost: 120 }) }))).toEqual([
      'sites[0].storage.hosts.count: 6 hosts are 6 failure domains (failureDomain host); object is erasure coded 4+2 and needs k+m+1 = 7 to place its chunks and heal after losing one (allowed: at least 7 hosts)',
    ]);
    expect(problems(cephSite({ count: 7, devices: devices({ perHost: 120 }) }))).toEqual([]);
  });

  test('fails when there are fewer failure domains than replicas, naming every pool that does not fit', () => {
    expect(problems(cephSite({ count: 2, devices: devices({ perHost: 256, sizeTB: 200 }) }))).toEqual([
      `sites[0].storage.hosts.count: 2 hosts are 2 failure domains (failureDomain host); datasets, checkpoints and metadata keep ${METADATA_REPLICAS} replicas and need 3; object is erasure coded 4+2 and needs k+m+1 = 7 to place its chunks and heal after losing one (allowed: at least 7 hosts)`,
    ]);
  });

  test('fails when racks are the failure domain and there are too few of them', () => {
    expect(
      problems(
        cephSite({
          failureDomain: 'rack',
          hostsPerRack: 4,
          devices: devices({ perHost: 32 }),
        }),
      ),
    ).toEqual([
      'sites[0].storage.hosts.hostsPerRack: 24 hosts at 4 per rack are 6 racks (failureDomain rack); object is erasure coded 4+2 and needs k+m+1 = 7 to place its chunks and heal after losing one (allowed: at least 7 racks, i.e. hostsPerRack 3 or fewer for 24 hosts)',
    ]);
    expect(
      problems(
        cephSite({
          count: 5,
          failureDomain: 'rack',
          hostsPerRack: 1,
          devices: devices({ perHost: 256, sizeTB: 100 }),
        }),
      ),
    ).toEqual([
      'sites[0].storage.hosts.hostsPerRack: 5 hosts at 1 per rack are 5 racks (failureDomain rack); object is erasure coded 4+2 and needs k+m+1 = 7 to place its chunks and heal after losing one (allowed: at least 7 racks, i.e. add hosts: 5 cannot make 7 racks)',
    ]);
  });

  test('fails when racks and hostsPerRack disagree', () => {
    expect(problems(cephSite({ failureDomain: 'rack' }))).toEqual([
      'sites[0].storage.hosts.failureDomain: "rack" needs hostsPerRack (how many hosts, in number order, share a rack)',
    ]);
    expect(problems(cephSite({ hostsPerRack: 4 }))).toEqual([
      'sites[0].storage.hosts.hostsPerRack: is set but failureDomain is "host" (set failureDomain: rack, or remove it)',
    ]);
    expect(problems(cephSite({ failureDomain: 'rack', hostsPerRack: 25 }))).toEqual([
      'sites[0].storage.hosts.hostsPerRack: 25 is more than the 24 hosts (allowed: at most 24)',
    ]);
  });

  test('fails when raw capacity does not cover the tiers with their pool overhead below the nearfull ratio, with the numbers', () => {
    // With one host lost (while Ceph heals), 23 hosts keep 32.44 PB raw and 22 keep 30.97 PB: both hold
    // the 27.5 PB written, only 23 below 85% full.
    expect(problems(cephSite({ count: 23 }))).toEqual([]);
    expect(problems(cephSite({ count: 22 }))).toEqual([
      "sites[0].storage.hosts: 22 hosts x 24 devices x 61.44 TB give 32.44 PB raw, 30.97 PB with a host lost (Ceph heals onto the rest); the tiers need 32.35 PB raw: scratch 1000 TB x 2 + datasets 4000 TB x 3 + checkpoints 2000 TB x 3 + object 5000 TB x 1.5 = 27.50 PB written, at most 85% full (Ceph's nearfull ratio) (allowed: more hosts or devices, or smaller tiers)",
    ]);
    // A whole rack lost: 24 hosts in racks of 3 keep 30.97 PB.
    expect(problems(cephSite({ failureDomain: 'rack', hostsPerRack: 3 }))).toContainEqual(
      expect.stringContaining('30.97 PB with a rack of 3 hosts lost'),
    );
  });

  test('fails when devices are not named by exactly one filter Rook can compile', () => {
    expect(problems(cephSite({ devices: devices({ deviceFilter: undefined }) }))).toEqual([
      'sites[0].storage.hosts.devices: names no devices (allowed: deviceFilter on kernel names, e.g. "^nvme[0-9]+n1$", or devicePathFilter on paths, e.g. "^/dev/disk/by-id/nvme-.*"); Ceph never takes every disk of a host',
    ]);
    expect(
      problems(
        cephSite({
          devices: devices({
            deviceFilter: '^nvme',
            devicePathFilter: '^/dev/nvme',
          }),
        }),
      ),
    ).toEqual(['sites[0].storage.hosts.devices.devicePathFilter: is set together with deviceFilter (allowed: one of them)']);
    expect(problems(cephSite({ devices: devices({ deviceFilter: '^(nvme[0-9]+n1$' }) }))).toEqual([
      'sites[0].storage.hosts.devices.deviceFilter: "^(nvme[0-9]+n1$" is not a regular expression (Unterminated group)',
    ]);
    expect(
      problems(
        cephSite({
          devices: devices({
            deviceFilter: undefined,
            devicePathFilter: '^/dev/(?!sda).*',
          }),
        }),
      ),
    ).toEqual([
      'sites[0].storage.hosts.devices.devicePathFilter: "^/dev/(?!sda).*" uses lookaround or a backreference, which Rook (Go regular expressions) does not support',
    ]);
  });

  test('fails when the cluster network overlaps the address plan or breaks the storage block rules', () => {
    expect(problems(cephSite({}, { clusterNetwork: '10.12.0.0/19' }))).toEqual([
      'sites[0].storage.clusterNetwork: "10.12.0.0/19" overlaps this site\'s services "10.12.0.0/20" (allowed: a block of its own, outside the address plan)',
      'sites[0].storage.clusterNetwork: "10.12.0.0/19" overlaps this site\'s storage "10.12.16.0/20" (allowed: a block of its own, outside the address plan)',
    ]);
    expect(problems(cephSite({}, { clusterNetwork: '10.12.32.1/20' }))).toEqual([
      'sites[0].storage.clusterNetwork: "10.12.32.1/20" has host bits set (did you mean "10.12.32.0/20"?)',
    ]);
    expect(problems(cephSite({}, { clusterNetwork: '8.8.0.0/20' }))).toEqual([
      'sites[0].storage.clusterNetwork: "8.8.0.0/20" is not a private range (allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)',
    ]);
  });

  test('fails when the storage or cluster network has no room for the storage hosts', () => {
    const s = cephSite({ count: 24 }, { clusterNetwork: '10.12.32.0/28' });
    expect(
      problems({
        ...s,
        interconnect: {
          ...s.interconnect,
          addressPlan: { ...PLAN, storage: '10.12.16.0/28' },
        },
      }),
    ).toEqual([
      'sites[0].interconnect.addressPlan.storage: "10.12.16.0/28" has room for 14 hosts; the site has 24 storage hosts (allowed: /27 or larger)',
      'sites[0].storage.clusterNetwork: "10.12.32.0/28" has room for 14 hosts; the site has 24 storage hosts (allowed: /27 or larger)',
    ]);
  });
});

describe('storage check in the loader', () => {
  test('reports each problem at its file, line and key', () => {
    const config = new ConfigCopy()
      .replace('sites/cz.yaml', /hosts:\n {8}count: \d+\n/, 'hosts:\n        count: 6\n')
      .replace('sites/lt.yaml', /sizeTB: [\d.]+/, 'sizeTB: 1.92')
      .replace('sites/ro.yaml', /deviceFilter: '[^']*'/, "deviceFilter: '^(nvme'");
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/cz.yaml:44:7: sites[0].storage.hosts: 6 hosts x 24 devices x 61.44 TB give 8.85 PB raw, 7.37 PB with a host lost (Ceph heals onto the rest); the tiers need 32.35 PB raw: scratch 1000 TB x 2 + datasets 4000 TB x 3 + checkpoints 2000 TB x 3 + object 5000 TB x 1.5 = 27.50 PB written, at most 85% full (Ceph's nearfull ratio) (allowed: more hosts or devices, or smaller tiers)",
        "config/sites/cz.yaml:45:16: sites[0].storage.hosts.count: 6 hosts are 6 failure domains (failureDomain host); object is erasure coded 4+2 and needs k+m+1 = 7 to place its chunks and heal after losing one (allowed: at least 7 hosts)",
        "config/sites/lt.yaml:40:7: sites[0].storage.hosts: 19 hosts x 24 devices x 1.92 TB give 0.88 PB raw, 0.83 PB with a host lost (Ceph heals onto the rest); the tiers need 12.59 PB raw: scratch 400 TB x 2 + datasets 1500 TB x 3 + checkpoints 800 TB x 3 + object 2000 TB x 1.5 = 10.70 PB written, at most 85% full (Ceph's nearfull ratio) (allowed: more hosts or devices, or smaller tiers)",
        "config/sites/ro.yaml:42:81: sites[0].storage.hosts.devices.deviceFilter: "^(nvme" is not a regular expression (Unterminated group)",
      ]
    `);
  });

  test('a cluster network is unique across the fleet, like every other block', () => {
    const config = new ConfigCopy().replace('sites/es.yaml', 'clusterNetwork: 10.43.16.0/20', 'clusterNetwork: 10.62.16.0/21');
    expect(config.problems()).toEqual([
      expect.stringMatching(
        /^config\/sites\/es\.yaml:\d+:\d+: sites\[0\]\.storage\.clusterNetwork: "10\.62\.16\.0\/21" overlaps ro-bucharest storage \(\S+ro\.yaml\) "10\.62\.16\.0\/20"; every block must be unique across the fleet$/,
      ),
    ]);
  });

  test('rejects unknown storage keys and values outside the device classes', () => {
    const config = new ConfigCopy()
      .replace('sites/pl.yaml', 'deviceClass: nvme', 'deviceClass: flash')
      .replace('sites/ro.yaml', /hosts:\n {8}count: (\d+)\n/, 'hosts:\n        count: $1\n        failureDomian: rack\n');
    expect(config.problems()).toEqual([
      expect.stringMatching(
        /^config\/sites\/pl\.yaml:\d+:\d+: sites\[0\]\.storage\.hosts\.devices\.deviceClass: "flash" is not allowed \(allowed: "nvme", "ssd", "hdd"\)$/,
      ),
      expect.stringMatching(
        /^config\/sites\/ro\.yaml:\d+:\d+: sites\[0\]\.storage\.hosts\.failureDomian: unknown key "failureDomian" \(did you mean "failureDomain"\?\)/,
      ),
    ]);
  });
});

describe.each([
  ['live', LIVE_CONFIG_DIR],
  ['fixture', FIXTURE_CONFIG_DIR],
])('%s config', (name, dir) => {
  const sites = loadOrThrow(dir).sites.filter((s) => s.storage.backend === 'rook-ceph');

  test('every Rook-Ceph site has hosts that place, heal and hold every tier', () => {
    if (name === 'fixture') expect(sites.length).toBeGreaterThan(0);
    for (const s of sites) {
      expect([s.id, problems(s)]).toEqual([s.id, []]);
      const hosts = s.storage.hosts!;
      expect(failureDomainCount(hosts)).toBeGreaterThanOrEqual(failureDomainsNeeded(TIER_POOLS.object));
      expect(rawCapacityTB(hosts)).toBeGreaterThanOrEqual(neededRawTB(s.storage.tiers));
    }
  });
});
