import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Site } from '../config';
import { buildFleet } from '../stacks/fleet';
import { EXIT_DESTRUCTIVE, MAX_COMMENT, allowsFrom, parseArgs, renderMarkdown } from '../tools/diff';
import { synthesize } from '../tools/private/synth';
import { destructiveAddresses, diffStacks, diffSynthOutputs, forcesReplacement, isAllowed } from '../tools/private/synth-diff';
import { FIXTURE_CONFIG_DIR, REPO, fleet, tempDir } from './util';

jest.setTimeout(120_000);

/** The fixture fleet, with `change` applied to its sites, synthesized into a folder. */
function synthOf(change: (site: Site) => Site = (s) => s): string {
  const root = tempDir('diff-');
  const outdir = join(root, 'cdktf.out');
  const f = fleet();
  synthesize({ outdir, projectRoot: root, build: (app) => buildFleet(app, { ...f, sites: f.sites.map(change) }) });
  return outdir;
}

const phase2 = fleet().sites.find((s) => s.phase === 2 && s.tenants.length > 0)!;
const pooled = fleet().sites.find((s) => s.nodePools.length > 0)!;

describe('synth diff', () => {
  const base = synthOf();

  test('an unchanged fleet has no changes', () => {
    const diff = diffSynthOutputs(base, synthOf());
    expect(diff.stacks.filter((s) => s.status !== 'unchanged')).toEqual([]);
    expect(renderMarkdown(diff, [], 'Synth diff')).toBe('## Synth diff\n\nNo stack changes.\n');
  });

  test('a site back to phase 1 shows its tenants stack leaving, flagged destructive until allowed', () => {
    const diff = diffSynthOutputs(
      base,
      synthOf((s) => (s.id === phase2.id ? { ...s, phase: 1 } : s)),
    );
    const tenants = diff.stacks.find((s) => s.id === `${phase2.id}-tenants`)!;
    expect(tenants.status).toBe('removed');
    expect(tenants.destructive).toMatch(/resources keep running, unmanaged, until someone destroys them deliberately/);
    expect(destructiveAddresses(diff)).toEqual([`${phase2.id}-tenants`]);
    const markdown = renderMarkdown(diff, [], 'Synth diff');
    expect(markdown).toContain(`allow-destroy: ${phase2.id}-tenants`);
    expect(markdown).toContain(`### ${phase2.id}-tenants — stack removed`);
    expect(renderMarkdown(diff, [`${phase2.id}-tenants`], 'Synth diff')).not.toContain('need an explicit allow');
    // Its checks turn from CronJobs back into Jobs: replaced, not destructive.
    const platform = diff.stacks.find((s) => s.id === `${phase2.id}-platform`)!;
    expect(platform.resources.filter((r) => r.destructive)).toEqual([]);
    expect(
      platform.resources.some(
        (r) => r.action === 'replace' && r.fields.some((f) => f.path === 'manifest.kind' && f.before === 'CronJob' && f.after === 'Job'),
      ),
    ).toBe(true);
  });

  test('a node count change shows the changed fields and nothing destructive', () => {
    const diff = diffSynthOutputs(
      base,
      synthOf((s) =>
        s.id === pooled.id ? { ...s, nodePools: s.nodePools.map((p, i) => (i === 0 ? { ...p, nodes: p.nodes + 1 } : p)) } : s,
      ),
    );
    const changed = diff.stacks.filter((s) => s.status !== 'unchanged');
    expect(changed.map((s) => s.id)).toContain(`${pooled.id}-platform`);
    for (const stack of changed) expect(stack.id.startsWith(`${pooled.id}-`) && stack.status === 'changed').toBe(true);
    expect(destructiveAddresses(diff)).toEqual([]);
    const fields = changed.find((s) => s.id === `${pooled.id}-platform`)!.resources.flatMap((r) => r.fields.map((f) => f.path));
    expect(fields.some((f) => /^manifest\.spec\.(jobTemplate\.spec\.)?completions$/.test(f))).toBe(true); // Jobs in phase 1, CronJobs in phase 2
  });

  test('removing or replacing what holds data is destructive; updating it in place is not', () => {
    type Resources = Record<string, Record<string, Record<string, unknown>>>;
    const stack = (resource: Resources) => ({ terraform: { backend: { local: { path: 'x' } } } as Record<string, unknown>, resource });
    const pool = (name: string, replicas: number) => ({
      manifest: {
        apiVersion: 'ceph.rook.io/v1',
        kind: 'CephBlockPool',
        metadata: { name, namespace: 'rook-ceph' },
        spec: { replicated: { size: replicas } },
      },
    });
    const cls = (reclaim: string) => ({
      metadata: { name: 'scratch' },
      reclaim_policy: reclaim,
      storage_provisioner: 'rook-ceph.rbd.csi.ceph.com',
      lifecycle: { prevent_destroy: true },
    });
    const base = new Map([
      [
        'xx-platform',
        stack({
          kubernetes_manifest: { pool: pool('scratch', 2) },
          kubernetes_storage_class_v1: { scratch: cls('Delete') },
          kubernetes_config_map_v1: { cm: { metadata: { name: 'a' }, data: { k: '1' } } },
        }),
      ],
    ]);

    const resized = diffStacks(
      base,
      new Map([
        [
          'xx-platform',
          stack({
            kubernetes_manifest: { pool: pool('scratch', 3) },
            kubernetes_storage_class_v1: { scratch: cls('Delete') },
            kubernetes_config_map_v1: { cm: { metadata: { name: 'a' }, data: { k: '2' } } },
          }),
        ],
      ]),
    );
    expect(resized.stacks[0].resources.map((r) => [r.address, r.action, r.destructive])).toEqual([
      ['kubernetes_config_map_v1.cm', 'change', undefined],
      ['kubernetes_manifest.pool', 'change', undefined],
    ]);

    const renamed = diffStacks(
      base,
      new Map([
        [
          'xx-platform',
          stack({
            kubernetes_manifest: { pool: pool('fast-scratch', 2) },
            kubernetes_storage_class_v1: { scratch: cls('Retain') },
            kubernetes_config_map_v1: { renamed: { metadata: { name: 'a' }, data: { k: '1' } } },
          }),
        ],
      ]),
    );
    expect(renamed.stacks[0].resources.map((r) => [r.address, r.action, Boolean(r.destructive)])).toEqual([
      ['kubernetes_config_map_v1.cm', 'remove', false],
      ['kubernetes_config_map_v1.renamed', 'add', false],
      ['kubernetes_manifest.pool', 'replace', true],
      ['kubernetes_storage_class_v1.scratch', 'replace', true],
    ]);
    expect(destructiveAddresses(renamed)).toEqual([
      'xx-platform:kubernetes_manifest.pool',
      'xx-platform:kubernetes_storage_class_v1.scratch',
    ]);

    // A storage class handed over with a removed block (destroy = false) is forgotten, not destroyed.
    const handedOver = diffStacks(
      base,
      new Map([
        [
          'xx-platform',
          {
            ...stack({
              kubernetes_manifest: { pool: pool('scratch', 2) },
              kubernetes_config_map_v1: { cm: { metadata: { name: 'a' }, data: { k: '1' } } },
            }),
            removed: [{ from: 'kubernetes_storage_class_v1.scratch', lifecycle: { destroy: false } }],
          },
        ],
      ]),
    );
    expect(handedOver.stacks[0].resources.map((r) => [r.address, r.action, r.destructive])).toEqual([
      ['kubernetes_storage_class_v1.scratch', 'forget', undefined],
    ]);
    expect(destructiveAddresses(handedOver)).toEqual([]);
    expect(isAllowed('xx-platform:kubernetes_manifest.pool', ['xx-platform:kubernetes_manifest.pool'])).toBe(true);
    expect(isAllowed('xx-platform:kubernetes_storage_class_v1.scratch', ['xx-platform:kubernetes_manifest.pool'])).toBe(false);

    const moved = diffStacks(
      base,
      new Map([
        ['xx-platform', { ...stack(base.get('xx-platform')!.resource as Resources), terraform: { backend: { local: { path: 'y' } } } }],
      ]),
    );
    expect(moved.stacks[0].destructiveSettings).toEqual([
      { address: 'xx-platform:backend', reason: expect.stringMatching(/state backend changes/) },
    ]);
    // `<stack>:*` allows the stack's resources, never its backend or its removal.
    expect(isAllowed('xx-platform:kubernetes_manifest.pool', ['xx-platform:*'])).toBe(true);
    expect(isAllowed('xx-platform:backend', ['xx-platform:*'])).toBe(false);
    expect(isAllowed('xx-platform', ['xx-platform:*'])).toBe(false);
    expect(isAllowed('xx-platform:kubernetes_manifest.pool', ['xx-platform'])).toBe(false);
  });

  test('flags namespaces, volumes, storage classes and CRDs as manifests, operator renames and a cluster switch', () => {
    type Resources = Record<string, Record<string, Record<string, unknown>>>;
    const stack = (resource: Resources, context = 'xx-admin') => ({
      terraform: {},
      provider: { kubernetes: [{ config_context: context }] },
      resource,
    });
    const manifest = (kind: string, name: string) => ({ manifest: { apiVersion: 'v1', kind, metadata: { name } } });
    const base = new Map([
      [
        'xx-platform',
        stack({
          kubernetes_manifest: {
            ns: manifest('Namespace', 'lab'),
            pv: manifest('PersistentVolume', 'pv1'),
            sc: manifest('StorageClass', 'fast'),
            crd: manifest('CustomResourceDefinition', 'x.example.org'),
            cm: manifest('ConfigMap', 'c'),
          },
          helm_release: { op: { name: 'gpu-operator', namespace: 'gpu-operator', values: ['driver:\n  version: 595.91.07\n'] } },
          kubernetes_persistent_volume_claim_v1: { data: { metadata: { name: 'data' }, spec: { access_modes: ['ReadWriteOnce'] } } },
        }),
      ],
    ]);
    const gone = diffStacks(
      base,
      new Map([
        [
          'xx-platform',
          stack(
            {
              helm_release: { op: { name: 'gpu-operator-2', namespace: 'gpu-operator', values: ['driver:\n  version: 595.91.08\n'] } },
              kubernetes_persistent_volume_claim_v1: { data: { metadata: { name: 'data' } } },
            },
            'yy-admin',
          ),
        ],
      ]),
    );
    const byAddress = Object.fromEntries(gone.stacks[0].resources.map((r) => [r.address, [r.action, Boolean(r.destructive)]]));
    expect(byAddress).toEqual({
      'kubernetes_manifest.ns': ['remove', true],
      'kubernetes_manifest.pv': ['remove', true],
      'kubernetes_manifest.sc': ['remove', true],
      'kubernetes_manifest.crd': ['remove', true],
      'kubernetes_manifest.cm': ['remove', false],
      'helm_release.op': ['replace', true],
      'kubernetes_persistent_volume_claim_v1.data': ['replace', true],
    });
    expect(gone.stacks[0].destructiveSettings?.map((s) => s.address)).toEqual(['xx-platform:provider']);
    // Helm values are compared field by field, not as one string.
    const helm = gone.stacks[0].resources.find((r) => r.address === 'helm_release.op')!;
    expect(helm.fields).toContainEqual({ path: 'values.0.driver.version', before: '595.91.07', after: '595.91.08' });
    // Data sources are read, never replaced.
    const data = diffStacks(
      new Map([['xx', { data: { kubernetes_namespace_v1: { n: { metadata: { name: 'a' } } } } }]]),
      new Map([['xx', { data: { kubernetes_namespace_v1: { n: { metadata: { name: 'b' } } } } }]]),
    );
    expect(data.stacks[0].resources.map((r) => [r.action, r.destructive])).toEqual([['change', undefined]]);
  });

  test('Markdown shows actions as words, and a huge diff is cut at a line with a note', () => {
    const resources = (value: string) =>
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`cm${i}`, { metadata: { name: `c${i}` }, data: { k: value.repeat(50) } }]));
    const fleetOf = (value: string) =>
      new Map(Array.from({ length: 40 }, (_, i) => [`xx-stack-${i}`, { resource: { kubernetes_config_map_v1: resources(value) } }]));
    const markdown = renderMarkdown(diffStacks(fleetOf('x'), fleetOf('y')), [], 'Synth diff');
    expect(markdown.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(markdown).toMatch(/_… truncated at 60000 characters/);
    const small = renderMarkdown(
      diffStacks(
        new Map([['xx', { resource: { kubernetes_config_map_v1: { a: { data: { k: '1' } } } } }]]),
        new Map([['xx', { resource: { kubernetes_config_map_v1: { b: { data: { k: '1' } } } } }]]),
      ),
      [],
      'Synth diff',
    );
    expect(small).toContain('- `add    ` `kubernetes_config_map_v1.b`');
    expect(small).toContain('- `remove ` `kubernetes_config_map_v1.a`');
  });

  test('knows the fields the providers cannot update in place', () => {
    expect(forcesReplacement('kubernetes_manifest.x', 'manifest.metadata.name')).toBe(true);
    expect(forcesReplacement('kubernetes_manifest.x', 'manifest.spec.replicas')).toBe(false);
    expect(forcesReplacement('kubernetes_namespace_v1.x', 'metadata.name')).toBe(true);
    expect(forcesReplacement('kubernetes_namespace_v1.x', 'metadata.labels.team')).toBe(false);
    expect(forcesReplacement('kubernetes_storage_class_v1.x', 'parameters.pool')).toBe(true);
    expect(forcesReplacement('kubernetes_storage_class_v1.x', 'allow_volume_expansion')).toBe(false);
    expect(forcesReplacement('helm_release.x', 'namespace')).toBe(true);
    expect(forcesReplacement('helm_release.x', 'values.0')).toBe(false);
  });

  test('reads allows from a pull-request description and rejects bad arguments', () => {
    expect(
      allowsFrom(
        'Sign-off of Warsaw.\n\nallow-destroy: pl-warsaw-tenants\n  Allow-Destroy:  es-barcelona-platform:kubernetes_manifest.x \nnot allow-destroy: y\n',
      ),
    ).toEqual(['pl-warsaw-tenants', 'es-barcelona-platform:kubernetes_manifest.x']);
    expect(parseArgs(['a'])).toMatch(/^usage: npm run diff/);
    expect(parseArgs(['--base', 'main', 'extra'])).toMatch(/^usage: npm run diff/);
    expect(parseArgs(['a', 'b', '--allow'])).toBe('unknown option --allow (allowed: --base, --allow-destroy, --allow-from, --out)');
    expect(parseArgs(['--base'])).toBe('--base needs a value');
    expect(parseArgs(['a', 'b', '--allow-destroy', 'x'])).toEqual({ base: undefined, dirs: ['a', 'b'], allows: ['x'], out: undefined });
  });

  test('the command exits 2 on destructive changes unless allowed, 0 otherwise', () => {
    const head = synthOf((s) => (s.id === phase2.id ? { ...s, phase: 1 } : s));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'tools/diff.ts', base, head, ...args], { cwd: REPO, encoding: 'utf8' });
    const blocked = run();
    expect(blocked.status).toBe(EXIT_DESTRUCTIVE);
    expect(blocked.stdout).toMatch(/^## Synth diff: /);
    expect(blocked.stderr).toMatch(/1 destructive change\(s\) not allowed/);
    expect(run('--allow-destroy', `${phase2.id}-tenants`).status).toBe(0);
    const body = join(tempDir(), 'pr.md');
    writeFileSync(body, `Back to phase 1 for re-acceptance.\n\nallow-destroy: ${phase2.id}-tenants\n`);
    const out = join(tempDir(), 'comment.md');
    const allowed = run('--allow-from', body, '--out', out);
    expect(allowed.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(allowed.stdout);
    expect(
      spawnSync(process.execPath, ['--import', 'tsx', 'tools/diff.ts', base, join(tempDir(), 'none')], { cwd: REPO, encoding: 'utf8' })
        .status,
    ).toBe(1);
  });

  test('--base synthesizes a git ref in a worktree and compares it with the working tree', () => {
    // A clone whose config is the fixture fleet, committed; the change stays in the working tree.
    const clone = join(tempDir('diff-repo-'), 'repo');
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: clone, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    spawnSync('git', ['clone', '-q', REPO, clone]);
    for (const entry of ['fleet.yaml', 'sites']) {
      rmSync(join(clone, 'config', entry), { recursive: true, force: true });
      cpSync(join(FIXTURE_CONFIG_DIR, entry), join(clone, 'config', entry), { recursive: true });
    }
    for (const file of ['tools/diff.ts', 'tools/private/synth-diff.ts', 'tools/private/synth.ts', 'main.ts'])
      cpSync(join(REPO, file), join(clone, file));
    symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'), 'dir');
    git('-c', 'user.email=ci@example.org', '-c', 'user.name=ci', 'commit', '-qam', 'fixture fleet');
    const siteFile = join(clone, 'config', 'sites', `${phase2.country.toLowerCase()}.yaml`);
    writeFileSync(siteFile, readFileSync(siteFile, 'utf8').replace(/^(\s+)phase: 2$/m, '$1phase: 1'));

    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/diff.ts', '--base', 'HEAD'], { cwd: clone, encoding: 'utf8' });
    expect(run.stderr).toMatch(/destructive change\(s\) not allowed/);
    expect(run.status).toBe(EXIT_DESTRUCTIVE);
    expect(run.stdout).toContain(`### ${phase2.id}-tenants — stack removed`);
    // The worktree and the head output are gone afterwards.
    const worktrees = spawnSync('git', ['worktree', 'list'], { cwd: clone, encoding: 'utf8' }).stdout.trim().split('\n');
    expect(worktrees).toHaveLength(1);
    expect(spawnSync('sh', ['-c', 'ls -d cdktf.out.diff-* 2>/dev/null'], { cwd: clone, encoding: 'utf8' }).stdout).toBe('');
  });
});
