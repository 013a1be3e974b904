import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { Site } from '../config';
import { METADATA_REPLICAS, NEARFULL_RATIO, TIER_POOLS } from '../config/checks/storage';
import { CephStorage, CRUSH_RACK_LABEL } from '../constructs/storage/ceph-storage';
import { StorageTiers } from '../constructs/storage/storage-tiers';
import { deployOrder } from '../stacks/fleet';
import { crdErrors } from './upstream';
import { buildSites, fleet, manifests, resources, site, type Synthesized } from './util';

type Manifest = { kind: string; metadata: { name: string }; spec: Record<string, any> };
const cephManifests = (s: Site) => {
  const stack = new TerraformStack(Testing.app(), 'test');
  new CephStorage(stack, 'ceph', { site: s, images: fleet().images, namespace: 'rook-ceph' });
  return manifests(stack) as Manifest[];
};
const ceph = (s: Site) => {
  const all = cephManifests(s);
  return (kind: string) => all.find((m) => m.kind === kind)!;
};
type Hosts = NonNullable<Site['storage']['hosts']>;
/** A Rook-Ceph site with the given storage hosts (defaults as the schema applies them) and no cluster network. */
const withHosts = (hosts: Partial<Hosts> & Pick<Hosts, 'count'>, storage: Partial<Site['storage']> = {}): Site => {
  const es = site('es-barcelona');
  const devices: Hosts['devices'] = { perHost: 12, sizeTB: 15.36, deviceClass: 'nvme', deviceFilter: '^nvme[0-9]+n1$' };
  return {
    ...es,
    interconnect: { ...es.interconnect, addressPlan: { ...es.interconnect.addressPlan, storage: '10.43.0.0/20' } },
    storage: {
      ...es.storage,
      nodeNamePrefix: 'storage',
      clusterNetwork: undefined,
      ...storage,
      hosts: { numberDigits: 2, failureDomain: 'host', devices, ...hosts },
    },
  };
};
const failureDomains = (kind: (k: string) => Manifest) => [
  kind('CephBlockPool').spec.failureDomain,
  kind('CephFilesystem').spec.metadataPool.failureDomain,
  ...kind('CephFilesystem').spec.dataPools.map((p: { failureDomain: string }) => p.failureDomain),
  kind('CephObjectStore').spec.metadataPool.failureDomain,
  kind('CephObjectStore').spec.dataPool.failureDomain,
];
const classesOf = (s: Site) => {
  const stack = new TerraformStack(Testing.app(), 'test');
  new StorageTiers(stack, 'tiers', { site: s, rookNamespace: 'rook-ceph' });
  return Object.fromEntries(
    Object.values(resources(stack).kubernetes_storage_class_v1).map((c) => [(c.metadata as { name: string }).name, c]),
  ) as Record<string, Record<string, any>>;
};

describe('CephStorage', () => {
  test('defaults: pinned Ceph on the named storage hosts and their filtered devices, storage network, one pool quota per tier', () => {
    const kind = ceph(withHosts({ count: 3 }));
    expect(kind('CephCluster').spec).toMatchObject({
      cephVersion: { image: 'quay.io/ceph/ceph:v19.2.3' },
      mon: { count: 3 },
    });
    // No cluster network of its own: replication shares the storage network, named as before (Rook
    // does not support changing a deployed cluster's networks).
    expect(kind('CephCluster').spec.network).toEqual({
      provider: 'host',
      addressRanges: { public: ['10.43.0.0/20'], cluster: ['10.43.0.0/20'] },
    });
    expect(kind('CephCluster').spec.storage).toEqual({
      useAllNodes: false,
      useAllDevices: false,
      deviceFilter: '^nvme[0-9]+n1$',
      config: { deviceClass: 'nvme' },
      nearFullRatio: NEARFULL_RATIO,
      nodes: [{ name: 'storage-n01' }, { name: 'storage-n02' }, { name: 'storage-n03' }],
    });
    expect(kind('CephBlockPool')).toMatchObject({
      metadata: { name: 'scratch' },
      spec: { replicated: { size: 2 }, quotas: { maxSize: '1500T' } },
    });
    expect(kind('CephFilesystem').spec.dataPools.map((p: { name: string; quotas: object }) => [p.name, p.quotas])).toEqual([
      ['datasets', { maxSize: '6000T' }],
      ['checkpoints', { maxSize: '3000T' }],
    ]);
    expect(kind('CephFilesystem').spec.preserveFilesystemOnDelete).toBe(true);
    expect(kind('CephObjectStore').spec).toMatchObject({
      dataPool: { erasureCoded: { dataChunks: 4, codingChunks: 2 }, quotas: { maxSize: '8000T' } },
      preservePoolsOnDelete: true,
    });
    expect(failureDomains(kind)).toEqual(['host', 'host', 'host', 'host', 'host', 'host']);
    expect(kind('NodeFeatureRule').spec.rules.map((r: { name: string }) => r.name)).toEqual(['storage-nodes']);
    expect(kind('NodeFeatureRule').spec.rules[0].matchFeatures[0].matchExpressions.nodename.value).toEqual(['^storage-n\\d+$']);
  });

  test('pools keep the layout the loader checks the hosts against', () => {
    const kind = ceph(withHosts({ count: 7 }));
    expect(kind('CephBlockPool').spec.replicated.size).toBe(TIER_POOLS.scratch.replicas);
    expect(kind('CephFilesystem').spec.dataPools.map((p: { replicated: { size: number } }) => p.replicated.size)).toEqual([
      TIER_POOLS.datasets.replicas,
      TIER_POOLS.checkpoints.replicas,
    ]);
    expect(kind('CephFilesystem').spec.metadataPool.replicated.size).toBe(METADATA_REPLICAS);
    expect(kind('CephObjectStore').spec.metadataPool.replicated.size).toBe(METADATA_REPLICAS);
    expect(kind('CephObjectStore').spec.dataPool.erasureCoded).toEqual(TIER_POOLS.object);
  });

  test('can be customised: storage node names', () => {
    const kind = ceph(withHosts({ count: 2, numberDigits: 3 }, { nodeNamePrefix: 'bcn-osd' }));
    expect(kind('NodeFeatureRule').spec.rules[0].matchFeatures[0].matchExpressions.nodename.value).toEqual(['^bcn-osd-n\\d+$']);
    expect(kind('CephCluster').spec.storage.nodes).toEqual([{ name: 'bcn-osd-n001' }, { name: 'bcn-osd-n002' }]);
  });

  test('can be customised: devices by path, device class, and a separate cluster network', () => {
    const path = '^/dev/disk/by-id/nvme-SOLIDIGM_.*$';
    const kind = ceph(
      withHosts(
        { count: 8, devices: { perHost: 60, sizeTB: 22, deviceClass: 'hdd', devicePathFilter: path } },
        { clusterNetwork: '10.43.16.0/20' },
      ),
    );
    expect(kind('CephCluster').spec.storage).toMatchObject({ devicePathFilter: path, config: { deviceClass: 'hdd' } });
    expect(kind('CephCluster').spec.storage.deviceFilter).toBeUndefined();
    expect(kind('CephCluster').spec.network.addressRanges).toEqual({ public: ['10.43.0.0/20'], cluster: ['10.43.16.0/20'] });
  });

  test('racks as the failure domain: every pool spreads over racks, and each storage host is labelled with its rack', () => {
    const kind = ceph(withHosts({ count: 10, failureDomain: 'rack', hostsPerRack: 4 }));
    expect(failureDomains(kind)).toEqual(['rack', 'rack', 'rack', 'rack', 'rack', 'rack']);
    const racks = kind('NodeFeatureRule').spec.rules.slice(1);
    expect(
      racks.map((r: { name: string; labels: Record<string, string>; matchFeatures: { matchExpressions: { nodename: object } }[] }) => [
        r.name,
        r.labels,
        r.matchFeatures[0].matchExpressions.nodename,
      ]),
    ).toEqual([
      [
        'storage-rack-01',
        { [CRUSH_RACK_LABEL]: 'storage-r01' },
        { op: 'In', value: ['storage-n01', 'storage-n02', 'storage-n03', 'storage-n04'] },
      ],
      [
        'storage-rack-02',
        { [CRUSH_RACK_LABEL]: 'storage-r02' },
        { op: 'In', value: ['storage-n05', 'storage-n06', 'storage-n07', 'storage-n08'] },
      ],
      ['storage-rack-03', { [CRUSH_RACK_LABEL]: 'storage-r03' }, { op: 'In', value: ['storage-n09', 'storage-n10'] }],
    ]);
    expect(CRUSH_RACK_LABEL).toBe('topology.rook.io/rack');
  });

  test.each([
    ['named hosts by kernel name', withHosts({ count: 7 })],
    [
      'racks, devices by path, a cluster network',
      withHosts(
        {
          count: 9,
          failureDomain: 'rack',
          hostsPerRack: 1,
          devices: { perHost: 4, sizeTB: 7.68, deviceClass: 'ssd', devicePathFilter: '^/dev/sd[b-e]$' },
        },
        { clusterNetwork: '10.43.16.0/20' },
      ),
    ],
  ])('every resource validates against its vendored CRD: %s', (_name, s) => {
    const all = cephManifests(s);
    expect(all.map((m) => m.kind).sort()).toEqual(['CephBlockPool', 'CephCluster', 'CephFilesystem', 'CephObjectStore', 'NodeFeatureRule']);
    for (const m of all) expect([m.kind, crdErrors(m)]).toEqual([m.kind, []]);
  });

  test('fails when a Rook-Ceph site declares no storage hosts', () => {
    const es = site('es-barcelona');
    expect(() => ceph({ ...es, storage: { ...es.storage, hosts: undefined } })).toThrow(
      'es-barcelona: storage backend rook-ceph needs storage.hosts { count, devices }',
    );
  });
});

describe('StorageTiers', () => {
  test('Rook-Ceph: scratch deletes, datasets, checkpoints and object buckets are retained', () => {
    const classes = classesOf(site('es-barcelona'));
    // Retained file tiers get a Delete twin for the acceptance checks' volumes.
    expect(Object.keys(classes).sort()).toEqual(['checkpoints', 'checkpoints-check', 'datasets', 'datasets-check', 'object', 'scratch']);
    expect(classes['datasets-check']).toMatchObject({
      reclaim_policy: 'Delete',
      storage_provisioner: classes.datasets.storage_provisioner,
      parameters: classes.datasets.parameters,
    });
    expect(classes['datasets-check'].lifecycle).toBeUndefined();
    expect(classes.scratch).toMatchObject({
      storage_provisioner: 'rook-ceph.rbd.csi.ceph.com',
      reclaim_policy: 'Delete',
      parameters: { pool: 'scratch', clusterID: 'rook-ceph' },
    });
    expect(classes.datasets).toMatchObject({
      storage_provisioner: 'rook-ceph.cephfs.csi.ceph.com',
      reclaim_policy: 'Retain',
      parameters: { fsName: 'factory-fs', pool: 'factory-fs-datasets' },
    });
    expect(classes.object).toMatchObject({ storage_provisioner: 'rook-ceph.ceph.rook.io/bucket', reclaim_policy: 'Retain' });
    expect(classes.checkpoints.metadata.annotations).toEqual({ 'ai-factory.eu/capacity-tb': '3000' });
  });

  test('external parallel file system: its CSI driver for scratch, datasets and checkpoints', () => {
    const classes = classesOf(site('nl-amsterdam'));
    expect(Object.keys(classes).sort()).toEqual(['checkpoints', 'checkpoints-check', 'datasets', 'datasets-check', 'scratch']);
    expect(classes.datasets).toMatchObject({
      storage_provisioner: 'spectrumscale.csi.ibm.com',
      parameters: { volBackendFs: 'snellius-gpfs' },
      reclaim_policy: 'Retain',
    });
  });

  test('fails when an external backend names no file system', () => {
    const nl = site('nl-amsterdam');
    expect(() => classesOf({ ...nl, storage: { ...nl.storage, external: undefined } })).toThrow(
      'nl-amsterdam: storage backend external needs storage.external { csiDriver, fileSystem }',
    );
  });
});

/** Every resource that holds data, found from what was synthesized (not from our own constructs). */
const DATA_BEARING_KINDS = new Set(['CephCluster', 'CephBlockPool', 'CephFilesystem', 'CephObjectStore']);
function unprotectedDataResources(synth: Synthesized): string[] {
  const bad: string[] = [];
  const protectedOk = (r: Record<string, unknown>) => (r.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true;
  for (const [name, r] of Object.entries(synth.kubernetes_manifest ?? {})) {
    if (DATA_BEARING_KINDS.has((r.manifest as { kind: string }).kind) && !protectedOk(r)) bad.push(`kubernetes_manifest.${name}`);
  }
  for (const [name, r] of Object.entries(synth.kubernetes_storage_class_v1 ?? {})) {
    if (r.reclaim_policy === 'Retain' && !protectedOk(r)) bad.push(`kubernetes_storage_class_v1.${name}`);
  }
  for (const type of ['kubernetes_persistent_volume_claim_v1', 'kubernetes_persistent_volume_claim']) {
    for (const [name, r] of Object.entries(synth[type] ?? {})) if (!protectedOk(r)) bad.push(`${type}.${name}`);
  }
  return bad;
}

describe('data safety', () => {
  const stacks = buildSites().flatMap(deployOrder);

  test('every data-bearing resource of the fleet is protected from destroy', () => {
    const protectedCount = stacks.reduce((n, stack) => {
      const synth = resources(stack);
      expect(unprotectedDataResources(synth)).toEqual([]);
      return (
        n +
        Object.values(synth.kubernetes_manifest ?? {}).filter((r) => DATA_BEARING_KINDS.has((r.manifest as { kind: string }).kind)).length
      );
    }, 0);
    // Four Ceph resources on each of the five Rook sites.
    expect(protectedCount).toBe(20);
  });

  test('the check names a resource that lost prevent_destroy', () => {
    const platform = stacks.find((s) => s.node.id === 'es-barcelona-platform')!;
    const synth = JSON.parse(JSON.stringify(resources(platform))) as Record<string, Record<string, Record<string, unknown>>>;
    const [poolName] = Object.entries(synth.kubernetes_manifest).find(
      ([, r]) => (r.manifest as { kind: string }).kind === 'CephBlockPool',
    )!;
    delete synth.kubernetes_manifest[poolName].lifecycle;
    const [className] = Object.entries(synth.kubernetes_storage_class_v1).find(([, r]) => r.reclaim_policy === 'Retain')!;
    delete synth.kubernetes_storage_class_v1[className].lifecycle;
    expect(unprotectedDataResources(synth)).toEqual([`kubernetes_manifest.${poolName}`, `kubernetes_storage_class_v1.${className}`]);
  });
});

describe('fleet', () => {
  test('has Rook-Ceph sites and a site on an external parallel file system', () => {
    expect(new Set(fleet().sites.map((s) => s.storage.backend))).toEqual(new Set(['rook-ceph', 'external']));
  });
});
