/**
 * The real Terraform CLI and PostgreSQL server for the deploy-loop tests. Nothing is skipped: a
 * missing tool fails the test with how to install it.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Construct } from 'constructs';
import { TerraformResource } from 'cdktf/lib/terraform-resource';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { BackendConfig } from '../config';
import { configureStateBackend } from '../constructs/state-backend';
import { tempDir } from './util';

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
}

function result(r: SpawnSyncReturns<string>): Run {
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

/** Fails (never skips) when the Terraform CLI is missing. */
export function requireTerraform(): string {
  const which = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) {
    throw new Error(
      'the Terraform CLI is not on PATH: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install), e.g. the terraform binary into /usr/local/bin',
    );
  }
  return (JSON.parse(which.stdout) as { terraform_version: string }).terraform_version;
}

/** Runs the Terraform CLI offline: its own CLI config (no provider download), no checkpoint call, no colours. */
export class TerraformCli {
  readonly cliConfig: string;

  constructor(
    cliConfigText = '',
    private readonly env: Record<string, string> = {},
  ) {
    requireTerraform();
    this.cliConfig = join(tempDir('tf-cli-'), 'terraform.rc');
    writeFileSync(this.cliConfig, cliConfigText);
  }

  run(cwd: string, args: string[], env: Record<string, string> = {}): Run {
    return result(
      spawnSync('terraform', args, {
        cwd,
        encoding: 'utf8',
        env: {
          ...process.env,
          ...this.env,
          ...env,
          TF_CLI_CONFIG_FILE: this.cliConfig,
          CHECKPOINT_DISABLE: '1',
          TF_IN_AUTOMATION: '1',
          TF_INPUT: '0',
          NO_COLOR: '1',
        },
      }),
    );
  }

  /** Like run, but throws with Terraform's output when it fails. */
  ok(cwd: string, args: string[], env: Record<string, string> = {}): Run {
    const r = this.run(cwd, args, env);
    if (r.status !== 0) throw new Error(`terraform ${args.join(' ')} in ${cwd} exited ${r.status}:\n${r.output}`);
    return r;
  }

  /** `terraform plan -detailed-exitcode`: 0 no changes, 2 changes. */
  planExitCode(cwd: string, env: Record<string, string> = {}): Run {
    return this.run(cwd, ['plan', '-detailed-exitcode', '-no-color', '-lock-timeout=0s'], env);
  }
}

/**
 * A stack of Terraform's built-in `terraform_data` resources under the project's own backend block
 * (the providers of the real stacks cannot be downloaded here).
 */
export class DataStack extends TerraformStack {
  constructor(scope: Construct, id: string, backend: BackendConfig, inputs: Record<string, string>, applySeconds = 0) {
    super(scope, id);
    configureStateBackend(this, id, backend);
    for (const [name, input] of Object.entries(inputs)) {
      new TerraformResource(this, name, {
        terraformResourceType: 'terraform_data',
        // A slow create keeps the state locked long enough for a second apply to collide with it.
        provisioners: applySeconds > 0 ? [{ type: 'local-exec', command: `sleep ${applySeconds}` }] : undefined,
      }).addOverride('input', input);
    }
  }
}

/**
 * A provider filesystem mirror holding stubs of the given providers, in the unpacked layout.
 * `terraform init` installs them (it never runs a provider); plan would fail, so tests stop at init.
 */
export function stubMirror(providers: readonly { address: string; version: string }[], platform: string): string {
  const mirror = tempDir('mirror-');
  for (const { address, version } of providers) {
    const dir = join(mirror, ...address.split('/'), version, platform);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `terraform-provider-${address.split('/').pop()}_v${version}`), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  }
  return mirror;
}

export function mirrorCliConfig(mirror: string): string {
  return `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`;
}

// ---------------------------------------------------------------- PostgreSQL

function postgresBin(name: string): string {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin', name);
    if (existsSync(bin)) return bin;
  }
  throw new Error(
    `PostgreSQL's ${name} was not found: install the server (Debian: apt-get install -y postgresql); .ci/run does this when it is missing`,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A throw-away PostgreSQL server on a free localhost port, trusting local connections. */
export class PostgresServer {
  readonly dataDir: string;
  private readonly asUser: string[];

  private constructor(
    readonly port: number,
    private readonly root: string,
  ) {
    this.dataDir = join(root, 'data');
    // initdb refuses to run as root: run the server as the postgres user then.
    this.asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  }

  static async start(): Promise<PostgresServer> {
    const server = new PostgresServer(await freePort(), tempDir('pg-'));
    server.init();
    return server;
  }

  /** `postgres://` URL of database `name` (created on first use). */
  url(name = 'terraform'): string {
    return `postgres://tfstate:s3cret-${this.port}@127.0.0.1:${this.port}/${name}?sslmode=disable`;
  }

  psql(sql: string, database = 'terraform'): string {
    const r = spawnSync(
      postgresBin('psql'),
      ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'tfstate', '-d', database, '-c', sql],
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: `s3cret-${this.port}` } },
    );
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  stop(): void {
    this.exec(postgresBin('pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  private init(): void {
    mkdirSync(this.dataDir);
    if (this.asUser.length > 0) {
      const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      if (ids.status !== 0)
        throw new Error(
          'running as root, but there is no postgres user to run PostgreSQL as (Debian: apt-get install -y postgresql creates it)',
        );
      chownSync(this.root, Number(ids.stdout), Number(gids.stdout));
      chownSync(this.dataDir, Number(ids.stdout), Number(gids.stdout));
    }
    const password = join(this.root, 'password');
    writeFileSync(password, `s3cret-${this.port}\n`);
    if (this.asUser.length > 0) chownSync(password, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), 0);
    this.exec(postgresBin('initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'tfstate',
      '--pwfile',
      password,
      '-A',
      'scram-sha-256',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    this.exec(postgresBin('pg_ctl'), [
      '-D',
      this.dataDir,
      '-l',
      join(this.root, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${this.port} -k ${this.root} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
    this.psql('CREATE DATABASE terraform', 'postgres');
  }

  private exec(command: string, args: string[]): void {
    const [cmd, ...rest] = [...this.asUser, command, ...args];
    const r = spawnSync(cmd, rest, { encoding: 'utf8', cwd: this.root });
    if (r.error || r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  }
}

/** Starts a command without waiting for it, collecting its output. */
export function start(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolveRun({ status, stdout, stderr, output: `${stdout}${stderr}` }));
  });
}
