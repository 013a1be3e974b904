/**
 * Settings a deployed Ceph cluster cannot take back (its networks, its pools' failure domain): the
 * synthesized preconditions, evaluated by the real Terraform CLI against live objects as the
 * kubernetes_resources data source lists them (fed in as a local in place of the data source).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import { TerraformCli } from './terraform';
import { buildSites, tempDir } from './util';
import type { Obj } from './site-model/output';

jest.setTimeout(120_000);

/** Every Rook-Ceph site's platform stack, synthesized. */
const platforms = buildSites()
  .filter((s) => s.site.storage.backend === 'rook-ceph')
  .map((s) => ({ site: s.site, json: JSON.parse(Testing.synth(s.platform)) as Obj }));

/** The guarded resource of `kind` in a synthesized stack, and the data source its preconditions read. */
function guarded(json: Obj, kind: string): { preconditions: Obj[]; source: string; data: Obj } {
  const resource = Object.values(json.resource.kubernetes_manifest as Obj).find((r: Obj) => r.manifest.kind === kind) as Obj;
  const preconditions = resource.lifecycle.precondition as Obj[];
  const source = /data\.kubernetes_resources\.([\w-]+)\.objects/.exec(preconditions[0].condition)![1];
  return { preconditions, source, data: json.data.kubernetes_resources[source] };
}

const tf = new TerraformCli();

/** Plans the preconditions of `kind` (from the stack) over `live` objects; returns the run. */
function plan(json: Obj, kind: string, live: Obj[]) {
  const { preconditions, source } = guarded(json, kind);
  const local = (text: string) => text.split(`data.kubernetes_resources.${source}.objects`).join('local.live');
  const dir = tempDir('live-guard-');
  writeFileSync(
    join(dir, 'main.tf.json'),
    JSON.stringify({
      locals: { live },
      resource: {
        terraform_data: {
          guarded: {
            input: kind,
            lifecycle: {
              precondition: preconditions.map((p) => ({ condition: local(p.condition), error_message: local(p.error_message) })),
            },
          },
        },
      },
    }),
  );
  tf.ok(dir, ['init', '-no-color']);
  return tf.run(dir, ['plan', '-no-color']);
}

test('every Ceph resource that holds data reads its live self by name, in the Rook namespace', () => {
  expect(platforms.length).toBeGreaterThan(0);
  for (const { json } of platforms) {
    for (const [kind, name] of [
      ['CephCluster', 'factory-ceph'],
      ['CephBlockPool', 'scratch'],
      ['CephFilesystem', 'factory-fs'],
      ['CephObjectStore', 'factory-object'],
    ]) {
      const { data, preconditions } = guarded(json, kind);
      expect(data).toMatchObject({ api_version: 'ceph.rook.io/v1', kind, namespace: 'rook-ceph', field_selector: `metadata.name=${name}` });
      expect(preconditions.length).toBeGreaterThan(0);
    }
  }
});

test('a deployed cluster keeps its networks: a new cluster network stops the plan, naming the deployed one', () => {
  for (const { site, json } of platforms) {
    const storage = site.interconnect.addressPlan.storage;
    const cluster = site.storage.backend === 'rook-ceph' ? (site.storage.clusterNetwork ?? storage) : storage;
    const deployed = (clusterRange: string) => [
      { metadata: { name: 'factory-ceph' }, spec: { network: { addressRanges: { public: [storage], cluster: [clusterRange] } } } },
    ];
    // First deploy (nothing live), and a redeploy of the same networks: the plan goes on.
    expect(plan(json, 'CephCluster', []).status).toBe(0);
    expect(plan(json, 'CephCluster', deployed(cluster)).status).toBe(0);
    // Deployed with a public range only: it replicates on that range, so a separate cluster network
    // in the config is a change (refused), and the same range is not.
    const publicOnly = plan(json, 'CephCluster', [
      { metadata: { name: 'factory-ceph' }, spec: { network: { addressRanges: { public: [storage], cluster: null } } } },
    ]);
    expect(publicOnly.status).toBe(cluster === storage ? 0 : 1);
    // A cluster deployed before its networks were written (no addressRanges) is not held to them.
    expect(
      plan(json, 'CephCluster', [{ metadata: { name: 'factory-ceph' }, spec: { network: { provider: 'host', addressRanges: null } } }])
        .status,
    ).toBe(0);
    // Deployed on another cluster network: refused, saying which.
    const moved = plan(json, 'CephCluster', deployed('10.99.0.0/20'));
    expect(moved.status).toBe(1);
    expect(moved.output.replace(/\s+/g, ' ')).toMatch(
      new RegExp(
        `CephCluster factory-ceph is deployed with cluster network 10\\.99\\.0\\.0/20; this config writes "${cluster.replace(/\./g, '\\.')}"\\. Rook does not support changing`,
      ),
    );
  }
});

test('deployed pools keep their failure domain: host to rack stops the plan for the block pool, the file system and the object store', () => {
  // One data pool of the file system moved, the other unset (host): refused, both named.
  const es = platforms.find((p) => p.site.storage.backend === 'rook-ceph' && p.site.storage.hosts?.failureDomain === 'host');
  if (es) {
    const mixed = plan(es.json, 'CephFilesystem', [{ spec: { dataPools: [{ failureDomain: null }, { failureDomain: 'rack' }] } }]);
    expect(mixed.status).toBe(1);
    expect(mixed.output.replace(/\s+/g, ' ')).toMatch(/is deployed with failure domain host,rack; this config writes "host"/);
  }
  for (const { site, json } of platforms) {
    const wanted = site.storage.backend === 'rook-ceph' ? site.storage.hosts!.failureDomain : 'host';
    const other = wanted === 'host' ? 'rack' : 'host';
    const cases: [string, (domain: string | null) => Obj][] = [
      ['CephBlockPool', (d) => ({ spec: { failureDomain: d, replicated: { size: 2 } } })],
      [
        'CephFilesystem',
        (d) => ({
          spec: {
            dataPools: [
              { name: 'datasets', failureDomain: d },
              { name: 'checkpoints', failureDomain: d },
            ],
          },
        }),
      ],
      ['CephObjectStore', (d) => ({ spec: { dataPool: { failureDomain: d, erasureCoded: { dataChunks: 4, codingChunks: 2 } } } })],
    ];
    for (const [kind, live] of cases) {
      expect(plan(json, kind, [live(wanted)]).status).toBe(0);
      // Unset is Rook's default, host.
      expect(plan(json, kind, [live(null)]).status).toBe(wanted === 'host' ? 0 : 1);
      const changed = plan(json, kind, [live(other)]);
      expect(changed.status).toBe(1);
      expect(changed.output.replace(/\s+/g, ' ')).toMatch(
        new RegExp(
          `${kind} \\S+ is deployed with failure domain ${other}; this config writes "${wanted}"\\. Rook keeps a pool.s CRUSH rule`,
        ),
      );
    }
  }
});
