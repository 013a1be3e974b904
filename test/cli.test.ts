import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigCopy, FIXTURE_CONFIG_DIR, REPO, fleet, tempDir } from './util';

const PROBLEM_LINE = /^config\/[\w/.-]+\.yaml:\d+:\d+: \S+: .+$/;

function run(script: string, env: Record<string, string>, args: string[] = []) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('commands', () => {
  test('synth writes every stack of the fleet', () => {
    const outdir = join(tempDir(), 'cdktf.out');
    const { status, stderr } = run('main.ts', { CDKTF_OUTDIR: outdir, FACTORY_CONFIG_DIR: FIXTURE_CONFIG_DIR });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const expected = fleet().sites.flatMap((s) => [
      `${s.id}-foundation`,
      `${s.id}-platform`,
      ...(s.phase === 2 ? [`${s.id}-tenants`] : []),
    ]);
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(expected.sort());
    expect(existsSync(join(outdir, 'stacks', 'es-barcelona-foundation', 'cdk.tf.json'))).toBe(true);
  });

  test('synth with bad config prints one line per problem, exits 1 and leaves the output untouched', () => {
    const config = new ConfigCopy()
      .replace('sites/pl.yaml', 'gpusPerNode: 4', 'gpusPerNode: 40')
      .replace('sites/lt.yaml', / {4}acceptance:\n {6}signOff: .*\n/, '');
    const outdir = join(tempDir(), 'cdktf.out');
    mkdirSync(join(outdir, 'stacks', 'previous'), { recursive: true });
    writeFileSync(join(outdir, 'manifest.json'), '{"previous": true}');

    const { status, stderr, stdout } = run('main.ts', { CDKTF_OUTDIR: outdir, FACTORY_CONFIG_DIR: config.dir });
    expect(status).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr
      .trim()
      .split('\n')
      .map((line) => line.split(`${config.dir}/`).join('config/'));
    expect(lines.slice(0, -1)).toEqual([
      expect.stringMatching(/^config\/sites\/lt\.yaml:9:12: sites\[0\]\.phase: 2 needs a signed-off Phase 1 acceptance/),
      expect.stringMatching(/^config\/sites\/pl\.yaml:\d+:\d+: sites\[0\]\.nodePools\[0\]\.gpusPerNode: 40 is above the maximum 16$/),
    ]);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(PROBLEM_LINE);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(join(outdir, 'manifest.json'), 'utf8')).toBe('{"previous": true}');
    expect(readdirSync(join(outdir, 'stacks'))).toEqual(['previous']);
    expect(readdirSync(join(outdir, '..')).filter((name) => name !== 'cdktf.out')).toEqual([]);
  });

  test('synth keeps what it does not regenerate and reports a stack that left the config once', () => {
    const outdir = join(tempDir(), 'cdktf.out');
    const gone = join(outdir, 'stacks', 'xx-gone-tenants');
    mkdirSync(gone, { recursive: true });
    writeFileSync(
      join(gone, 'cdk.tf.json'),
      JSON.stringify({ terraform: { backend: { local: { path: '../../../terraform-state/xx-gone-tenants.tfstate' } } } }),
    );
    mkdirSync(join(dirname(outdir), 'terraform-state'));
    writeFileSync(
      join(dirname(outdir), 'terraform-state', 'xx-gone-tenants.tfstate'),
      JSON.stringify({ version: 4, resources: [{ type: 'kubernetes_namespace_v1', name: 'tenant' }] }),
    );
    const kept = fleet().sites[0].id + '-foundation';
    mkdirSync(join(outdir, 'stacks', kept, '.terraform'), { recursive: true });
    writeFileSync(join(outdir, 'stacks', kept, '.terraform.lock.hcl'), '# lock\n');

    const { status, stdout, stderr } = run('main.ts', { CDKTF_OUTDIR: outdir, FACTORY_CONFIG_DIR: FIXTURE_CONFIG_DIR });
    expect(status).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `xx-gone-tenants: no longer in the config, so its folder left ${outdir}; nothing was destroyed and its state is kept (${dirname(outdir)}/terraform-state/xx-gone-tenants.tfstate). To destroy its resources deliberately, check out the config that still has the stack and run: npm run destroy -- xx-gone-tenants\n`,
    );
    expect(existsSync(gone)).toBe(false);
    expect(readFileSync(join(outdir, 'stacks', kept, '.terraform.lock.hcl'), 'utf8')).toBe('# lock\n');
    expect(existsSync(join(outdir, 'stacks', kept, '.terraform'))).toBe(true);
  });

  test('under the real cdktf CLI the app leaves stale stack folders to the CLI, which removes them', () => {
    const outdir = join(tempDir(), 'cdktf.out');
    const gone = join(outdir, 'stacks', 'xx-gone-tenants');
    mkdirSync(gone, { recursive: true });
    writeFileSync(join(gone, 'cdk.tf.json'), '{}');
    const cli = spawnSync(join(REPO, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', outdir], {
      cwd: REPO,
      env: { ...process.env, FACTORY_CONFIG_DIR: FIXTURE_CONFIG_DIR, CHECKPOINT_DISABLE: '1', CI: '1' },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(0);
    expect(existsSync(gone)).toBe(false);
    expect(`${cli.stdout}${cli.stderr}`).toContain('xx-gone-tenants: no longer in the config');
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(
      fleet()
        .sites.flatMap((s) => [`${s.id}-foundation`, `${s.id}-platform`, ...(s.phase === 2 ? [`${s.id}-tenants`] : [])])
        .sort(),
    );
  }, 60_000);

  test('synth runs the app directly; deploy, plan and destroy go through the wrapper', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const app = (JSON.parse(readFileSync(join(REPO, 'cdktf.json'), 'utf8')) as { app: string }).app;
    expect(pkg.scripts.synth).toBe(app); // no cdktf CLI logger, spinner or second copy of each problem
    expect([pkg.scripts.deploy, pkg.scripts.plan, pkg.scripts.destroy]).toEqual([
      'tsx tools/cdktf.ts deploy',
      'tsx tools/cdktf.ts diff',
      'tsx tools/cdktf.ts destroy',
    ]);
    for (const script of Object.values(pkg.scripts)) expect(script).not.toMatch(/(^|\s)(npx )?cdktf\s/);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const block of readme.match(/```sh\n[\s\S]*?```/g) ?? []) {
      for (const line of block
        .split('\n')
        .map((l) => l.replace(/#.*/, ''))
        .filter((l) => /\bcdktf\s+(deploy|diff|destroy|synth)/.test(l))) {
        expect(line).toMatch(/CHECKPOINT_DISABLE=1/);
      }
      for (const script of [...block.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1])) expect(Object.keys(pkg.scripts)).toContain(script);
    }
  });

  test('the deploy wrapper runs cdktf without the checkpoint call, and refuses when the backend environment is missing', () => {
    const bin = tempDir('bin-');
    const record = join(tempDir(), 'record');
    writeFileSync(join(bin, 'cdktf'), `#!/bin/sh\necho "$CHECKPOINT_DISABLE $*" > ${record}\n`, { mode: 0o755 });
    const ok = run('tools/cdktf.ts', { CDKTF_BIN: join(bin, 'cdktf'), FACTORY_CONFIG_DIR: FIXTURE_CONFIG_DIR, CHECKPOINT_DISABLE: '' }, [
      'deploy',
      "'xx-*'",
      '--auto-approve',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(readFileSync(record, 'utf8')).toBe("1 deploy 'xx-*' --auto-approve\n");

    rmSync(record);
    const pg = new ConfigCopy().replace(
      'fleet.yaml',
      /backend:\n {2}type: local\n {2}directory: terraform-state\n/,
      'backend:\n  type: pg\n',
    );
    const refused = run('tools/cdktf.ts', { CDKTF_BIN: join(bin, 'cdktf'), FACTORY_CONFIG_DIR: pg.dir, PG_CONN_STR: '' }, [
      'deploy',
      "'xx-*'",
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^state backend pg: PG_CONN_STR is not set/);
    expect(existsSync(record)).toBe(false);
  });

  test('validate checks the config alone, with the same messages', () => {
    const good = run('tools/validate.ts', { FACTORY_CONFIG_DIR: FIXTURE_CONFIG_DIR });
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/: 6 sites, 3168 GPUs, 3933 PFLOP\/s BF16 dense, config valid/);
    // Each pool that leaves its node size to the guess gets a note, and each site whose rail HCAs
    // are guessed; still exit 0.
    for (const line of good.stderr.trim().split('\n')) {
      expect(line).toMatch(
        /^note: \S+sites\/\w+\.yaml:\d+:\d+: sites\[\d+\]\.(nodePools\[\d+\]: pool \S+ names no system and leaves cpusPerNode and memoryGiBPerNode unset: queue and tenant quotas assume \d+ CPUs and \d+ GiB per node \(14 and 256 per GPU, before defaults\.nodeReserved\), a guess \(set system, or state them\)|interconnect: the rail HCAs of pools \S+( \S+)* default to mlx5_0\.\.mlx5_\d, a guess: DGX systems put storage and in-band ports between the compute ports \(set each pool's system, or interconnect\.railHcas\))$/,
      );
    }
    expect(good.stderr).toMatch(
      /sites\/pl\.yaml:\d+:\d+: sites\[0\]\.interconnect: the rail HCAs of pools gb200, h100-mig default to mlx5_0\.\.mlx5_3/,
    );

    const described = new ConfigCopy().replace(
      'sites/cz.yaml',
      '      - name: h200\n        gpu: H200-SXM-141GB',
      '      - name: h200\n        system: DGX-H200\n        gpu: H200-SXM-141GB',
    );
    const notes = run('tools/validate.ts', { FACTORY_CONFIG_DIR: described.dir }).stderr;
    const cz = notes.split('\n').filter((l) => l.includes('/sites/cz.yaml:'));
    // Its h200 system names the rail ports, so only h100-mig's node size is left to a guess.
    expect(cz).toEqual([expect.stringMatching(/cz\.yaml:24:\d+: sites\[0\]\.nodePools\[1\]: pool h100-mig names no system/)]);

    const config = new ConfigCopy().replace('sites/es.yaml', 'fabric: infiniband', 'fabric: infiniband-ndr');
    const bad = run('tools/validate.ts', { FACTORY_CONFIG_DIR: config.dir });
    expect(bad.status).toBe(1);
    expect(bad.stderr.split(`${config.dir}/`).join('config/')).toMatch(
      /^config\/sites\/es\.yaml:32:15: sites\[0\]\.interconnect\.fabric: "infiniband-ndr" is not allowed \(allowed: "infiniband", "roce"\)\n/,
    );
    const annotated = run('tools/validate.ts', { FACTORY_CONFIG_DIR: config.dir }, ['--annotations']);
    expect(annotated.stdout.split(`${config.dir}/`).join('config/')).toBe(
      '::error file=config/sites/es.yaml,line=32,col=15,title=config%3A sites[0].interconnect.fabric::sites[0].interconnect.fabric: "infiniband-ndr" is not allowed (allowed: "infiniband", "roce")\n',
    );
  });
});
