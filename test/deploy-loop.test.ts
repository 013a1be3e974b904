/**
 * The deploy loop with the real Terraform CLI: state survives every synth, a second deploy finds
 * the first one's state, PostgreSQL state locks, the s3 block is one Terraform accepts. Stacks
 * hold Terraform's built-in terraform_data under the project's own backend blocks and synth.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { App } from 'cdktf/lib/app';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { BackendConfig } from '../config';
import { configureStateBackend } from '../constructs/state-backend';
import { buildFleet } from '../stacks/fleet';
import { synthesize } from '../tools/private/synth';
import { currentPlatform, pinnedProviders } from '../tools/private/providers';
import { DataStack, PostgresServer, TerraformCli, freePort, mirrorCliConfig, start, stubMirror } from './terraform';
import { fleet, tempDir } from './util';

jest.setTimeout(120_000);

const LOCAL: BackendConfig = { type: 'local', directory: 'terraform-state' };

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** A project folder with the app's layout: cdktf.out and terraform-state side by side. */
class Project {
  readonly root = tempDir('project-');
  readonly outdir = join(this.root, 'cdktf.out');

  synth(build: (app: App) => void) {
    return synthesize({ outdir: this.outdir, projectRoot: this.root, localStateDirectory: 'terraform-state', build });
  }

  synthData(stacks: Record<string, Record<string, string>>, backend: BackendConfig = LOCAL) {
    return this.synth((app) => {
      for (const [id, inputs] of Object.entries(stacks)) new DataStack(app, id, backend, inputs);
    });
  }

  stackDir(id: string): string {
    return join(this.outdir, 'stacks', id);
  }
}

describe('deploy loop, local state (real Terraform CLI)', () => {
  const tf = new TerraformCli();

  test("a second deploy finds the first one's state after any synth, even of a removed cdktf.out", () => {
    const project = new Project();
    const v1 = { 'xx-site-foundation': { operators: 'v1' }, 'xx-site-platform': { rules: 'v1' } };
    project.synthData(v1);
    const foundation = project.stackDir('xx-site-foundation');
    tf.ok(foundation, ['init', '-no-color']);
    tf.ok(foundation, ['apply', '-auto-approve', '-no-color']);
    // State is at the project root, nothing of it in the output.
    expect(files(join(project.root, 'terraform-state'))).toEqual(['xx-site-foundation.tfstate']);
    expect(files(project.outdir).filter((f) => f.includes('tfstate') && !f.startsWith('stacks/xx-site-foundation/.terraform/'))).toEqual(
      [],
    );
    const backendCache = readFileSync(join(foundation, '.terraform', 'terraform.tfstate'), 'utf8');

    // `cdktf deploy` synthesizes again first: same config, nothing to do, working files kept.
    project.synthData(v1);
    expect(readFileSync(join(foundation, '.terraform', 'terraform.tfstate'), 'utf8')).toBe(backendCache);
    expect(tf.planExitCode(foundation).status).toBe(0);

    // A change to other stacks (and a new site) leaves this one's plan empty.
    project.synthData({ ...v1, 'xx-site-platform': { rules: 'v2' }, 'yy-site-foundation': { operators: 'v1' } });
    expect(tf.planExitCode(foundation).status).toBe(0);
    const platform = project.stackDir('xx-site-platform');
    tf.ok(platform, ['init', '-no-color']);
    expect(tf.planExitCode(platform).status).toBe(2); // never applied: it has changes

    // A change to this stack plans exactly that change against the kept state.
    project.synthData({ ...v1, 'xx-site-foundation': { operators: 'v2' } });
    const plan = tf.planExitCode(foundation);
    expect(plan.status).toBe(2);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);

    // Even `rm -rf cdktf.out` loses nothing: state was never in it.
    rmSync(project.outdir, { recursive: true });
    project.synthData(v1);
    tf.ok(foundation, ['init', '-no-color']);
    expect(tf.planExitCode(foundation).status).toBe(0);
  });

  test('a stack that leaves the config loses its folder, never its state, and is reported once', () => {
    const project = new Project();
    project.synthData({ 'xx-site-platform': { rules: 'v1' }, 'xx-site-tenants': { tenants: 'v1' } });
    const tenants = project.stackDir('xx-site-tenants');
    tf.ok(tenants, ['init', '-no-color']);
    tf.ok(tenants, ['apply', '-auto-approve', '-no-color']);

    const { leftovers } = project.synthData({ 'xx-site-platform': { rules: 'v1' } });
    expect(existsSync(tenants)).toBe(false);
    expect(leftovers).toEqual([
      { id: 'xx-site-tenants', state: 'terraform-state/xx-site-tenants.tfstate', resources: 1, folderRemoved: true },
    ]);
    const state = JSON.parse(readFileSync(join(project.root, 'terraform-state', 'xx-site-tenants.tfstate'), 'utf8')) as {
      resources: unknown[];
    };
    expect(state.resources).toHaveLength(1);

    // Later synths still point at the orphaned state, as long as it holds resources.
    expect(project.synthData({ 'xx-site-platform': { rules: 'v1' } }).leftovers).toEqual([
      { id: 'xx-site-tenants', state: 'terraform-state/xx-site-tenants.tfstate', resources: 1, folderRemoved: false },
    ]);

    // Back in the config, the stack finds its state again; destroyed deliberately, it is no longer reported.
    project.synthData({ 'xx-site-platform': { rules: 'v1' }, 'xx-site-tenants': { tenants: 'v1' } });
    tf.ok(tenants, ['init', '-no-color']);
    expect(tf.planExitCode(tenants).status).toBe(0);
    tf.ok(tenants, ['destroy', '-auto-approve', '-no-color']);
    expect(project.synthData({ 'xx-site-platform': { rules: 'v1' } }).leftovers).toEqual([
      { id: 'xx-site-tenants', state: 'terraform-state/xx-site-tenants.tfstate', resources: 0, folderRemoved: true },
    ]);
    expect(project.synthData({ 'xx-site-platform': { rules: 'v1' } }).leftovers).toEqual([]);
  });

  test('a failed synth leaves the output and the working files as they were', () => {
    const project = new Project();
    project.synthData({ 'xx-site-foundation': { operators: 'v1' } });
    const foundation = project.stackDir('xx-site-foundation');
    tf.ok(foundation, ['init', '-no-color']);
    const before = files(project.outdir).map((f) => [f, readFileSync(join(project.outdir, f), 'utf8')]);
    expect(() =>
      project.synth((app) => {
        new DataStack(app, 'xx-site-foundation', LOCAL, { operators: 'v2' });
        throw new Error('a construct failed');
      }),
    ).toThrow('a construct failed');
    expect(files(project.outdir).map((f) => [f, readFileSync(join(project.outdir, f), 'utf8')])).toEqual(before);
    expect(readdirSync(project.root).sort()).toEqual(['cdktf.out']);
  });

  test('the real stacks keep their provider lock file and installed providers across synths', () => {
    // The pinned providers from a filesystem mirror (stubs: init installs, it never runs them).
    const mirrored = new TerraformCli(mirrorCliConfig(stubMirror(pinnedProviders(), currentPlatform())));
    const project = new Project();
    const [first] = project.synth((app) => buildFleet(app, fleet())).stacks;
    const dir = project.stackDir(first);
    mirrored.ok(dir, ['init', '-backend=false', '-no-color']);
    const lock = readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8');
    expect(lock).toMatch(/provider "registry\.terraform\.io\/hashicorp\/kubernetes" \{\n\s+version\s+= "2\.38\.0"/);
    const installed = files(join(dir, '.terraform'));

    project.synth((app) => buildFleet(app, fleet()));
    expect(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8')).toBe(lock);
    expect(files(join(dir, '.terraform'))).toEqual(installed);
    mirrored.ok(dir, ['init', '-backend=false', '-lockfile=readonly', '-no-color']);
  });

  test('the real stacks keep local state in terraform-state at the project root', () => {
    const project = new Project();
    const { stacks } = project.synth((app) => buildFleet(app, { ...fleet(), backend: LOCAL }));
    for (const id of stacks) {
      const dir = project.stackDir(id);
      const path = (JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as { terraform: { backend: { local: { path: string } } } })
        .terraform.backend.local.path;
      expect(path).toBe(`../../../terraform-state/${id}.tfstate`); // relative: the same text on every machine
      expect(relative(project.root, join(dir, path))).toBe(`terraform-state/${id}.tfstate`);
    }
  });
});

describe('deploy loop, PostgreSQL state (real Terraform CLI and PostgreSQL server)', () => {
  const tf = new TerraformCli();
  let pg: PostgresServer | undefined;
  beforeAll(async () => {
    pg = await PostgresServer.start();
  });
  afterAll(() => pg?.stop());

  test('apply through the pg block, a concurrent apply is refused on the lock, the state stays intact', async () => {
    const server = pg!;
    const backend: BackendConfig = { type: 'pg', schemaPrefix: 'ai_factories' };
    const env = { PG_CONN_STR: server.url() };
    const project = new Project();
    project.synth((app) => {
      new DataStack(app, 'xx-site-platform', backend, { rules: 'v1', queues: 'v1' }, 4);
    });
    const dir = project.stackDir('xx-site-platform');
    tf.ok(dir, ['init', '-no-color'], env);

    const first = start('terraform', ['apply', '-auto-approve', '-no-color'], {
      cwd: dir,
      env: { ...process.env, ...env, TF_CLI_CONFIG_FILE: tf.cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
    // Wait until the first apply holds the state lock (a PostgreSQL advisory lock).
    const deadline = Date.now() + 30_000;
    while (server.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") === '0') {
      if (Date.now() > deadline) throw new Error('the first apply never took the state lock');
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = tf.run(dir, ['apply', '-auto-approve', '-no-color', '-lock-timeout=0s'], env);
    expect(second.status).toBe(1);
    expect(second.output).toMatch(/Error acquiring the state lock/);

    const applied = await first;
    expect(applied.status).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete! Resources: 2 added/);
    expect(server.psql('SELECT name FROM ai_factories_xx_site_platform.states')).toBe('default');
    expect(tf.ok(dir, ['state', 'list'], env).stdout.trim().split('\n').sort()).toEqual(['terraform_data.queues', 'terraform_data.rules']);
    expect(tf.planExitCode(dir, env).status).toBe(0);

    // The connection string (with its password) is nowhere in the synthesized output.
    for (const file of files(project.outdir)) {
      const text = readFileSync(join(project.outdir, file), 'utf8');
      expect(text).not.toContain(server.url());
      expect(text).not.toContain(`s3cret-${server.port}`);
    }
    expect(applied.output).not.toContain(`s3cret-${server.port}`);
  });

  test('without PG_CONN_STR Terraform falls back to libpq defaults (PGHOST, PGPORT): why npm run deploy refuses to start', async () => {
    const project = new Project();
    project.synth((app) => {
      new DataStack(app, 'xx-site-platform', { type: 'pg', schemaPrefix: 'ai_factories' }, { rules: 'v1' });
    });
    const closed = await freePort();
    const init = tf.run(project.stackDir('xx-site-platform'), ['init', '-no-color'], {
      PG_CONN_STR: '',
      PGHOST: '127.0.0.1',
      PGPORT: String(closed),
    });
    expect(init.status).not.toBe(0);
    expect(init.output).toContain(`127.0.0.1:${closed}`);
  });
});

describe('s3 backend block (real Terraform CLI)', () => {
  const tf = new TerraformCli('', { AWS_ACCESS_KEY_ID: 'test-only', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_MAX_ATTEMPTS: '1' });

  /** `terraform init` of a configuration holding only the backend block; its endpoint is a closed port. */
  async function initWith(extra: Record<string, unknown> = {}) {
    // One attempt, not five with back-off (max_retries is itself a valid argument).
    extra = { max_retries: 0, ...extra };
    const port = await freePort();
    const project = new Project();
    project.synth((app) => {
      const stack = new TerraformStack(app, 'xx-site-foundation');
      configureStateBackend(stack, 'xx-site-foundation', {
        type: 's3',
        bucket: 'factory-state',
        region: 'eu-central-1',
        keyPrefix: 'ai-factories',
        endpoint: `https://127.0.0.1:${port}`,
      });
      for (const [key, value] of Object.entries(extra)) stack.addOverride(`terraform.backend.s3.${key}`, value);
    });
    return { port, init: tf.run(project.stackDir('xx-site-foundation'), ['init', '-no-color']) };
  }

  test('uses only arguments Terraform accepts, use_lockfile included: init gets as far as the endpoint', async () => {
    const { port, init } = await initWith();
    expect(init.status).not.toBe(0);
    expect(init.output).not.toMatch(/Unsupported argument|Extraneous JSON object property|Invalid backend configuration|deprecated/i);
    expect(init.output).toContain(`127.0.0.1:${port}`);
  });

  test('an argument Terraform does not know fails before any network call (the check can fail)', async () => {
    const { init } = await initWith({ use_lock_file: true });
    expect(init.status).not.toBe(0);
    expect(init.output).toMatch(/Unsupported argument|Extraneous JSON object property/);
  });
});
