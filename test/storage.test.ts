import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { Site } from '../config';
import { CephStorage } from '../constructs/storage/ceph-storage';
import { StorageTiers } from '../constructs/storage/storage-tiers';
import { deployOrder } from '../stacks/fleet';
import { buildSites, fleet, manifests, resources, site, type Synthesized } from './util';

type Manifest = { kind: string; metadata: { name: string }; spec: Record<string, any> };
const ceph = (s: Site) => {
  const stack = new TerraformStack(Testing.app(), 'test');
  new CephStorage(stack, 'ceph', { site: s, images: fleet().images, namespace: 'rook-ceph' });
  const all = manifests(stack) as Manifest[];
  return (kind: string) => all.find((m) => m.kind === kind)!;
};
const classesOf = (s: Site) => {
  const stack = new TerraformStack(Testing.app(), 'test');
  new StorageTiers(stack, 'tiers', { site: s, rookNamespace: 'rook-ceph' });
  return Object.fromEntries(
    Object.values(resources(stack).kubernetes_storage_class_v1).map((c) => [(c.metadata as { name: string }).name, c]),
  ) as Record<string, Record<string, any>>;
};

describe('CephStorage', () => {
  test('defaults: pinned Ceph, storage network, storage nodes, one pool quota per tier', () => {
    const kind = ceph(site('es-barcelona'));
    expect(kind('CephCluster').spec).toMatchObject({
      cephVersion: { image: 'quay.io/ceph/ceph:v19.2.3' },
      mon: { count: 3 },
      network: { provider: 'host', addressRanges: { public: ['10.43.0.0/20'], cluster: ['10.43.0.0/20'] } },
      storage: { useAllNodes: true, useAllDevices: true },
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
    expect(kind('NodeFeatureRule').spec.rules[0].matchFeatures[0].matchExpressions.nodename.value).toEqual(['^storage-n\\d+$']);
  });

  test('can be customised: storage node names', () => {
    const es = site('es-barcelona');
    const kind = ceph({ ...es, storage: { ...es.storage, nodeNamePrefix: 'bcn-osd' } });
    expect(kind('NodeFeatureRule').spec.rules[0].matchFeatures[0].matchExpressions.nodename.value).toEqual(['^bcn-osd-n\\d+$']);
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
