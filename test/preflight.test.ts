import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Fleet } from '../config';
import { MIN_TERRAFORM_VERSION, preflight, type PreflightOptions, type RegistryProbe } from '../tools/preflight';
import { mirrorConfiguration } from '../tools/providers-mirror';
import { currentPlatform, pinnedProviders } from '../tools/private/providers';
import { freePort, mirrorCliConfig, stubMirror } from './terraform';
import { Testing } from 'cdktf/lib/testing';
import { deployOrder } from '../stacks/fleet';
import { FIXTURE_CONFIG_DIR, REPO, buildSites, fleet, tempDir } from './util';

const PLATFORM = 'linux_amd64';

/** A kubeconfig with the given contexts, each with its cluster and user; no credentials. */
function kubeconfig(contexts: string[], options: { dropCluster?: boolean } = {}): string {
  const path = join(tempDir('kube-'), 'config');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: options.dropCluster ? [] : contexts.map((name) => ({ name, cluster: { server: `https://${name}.example.org:6443` } })),
      users: contexts.map((name) => ({ name, user: {} })),
      contexts: contexts.map((name) => ({ name, context: { cluster: name, user: name } })),
      'current-context': contexts[0],
    }),
  );
  return path;
}

function cliConfigFile(text: string): string {
  const path = join(tempDir('tfrc-'), 'terraform.rc');
  writeFileSync(path, text);
  return path;
}

const unreachable: RegistryProbe = async () => 'ECONNREFUSED';

describe('preflight', () => {
  const f = fleet();
  const target = f.sites[0];
  const others = f.sites.slice(1).map((s) => s.cluster.kubeContext);
  const mirror = stubMirror(pinnedProviders(), PLATFORM);

  /** Everything in order: Terraform, the kubeconfig with the site's context, local state, a mirror. */
  function options(overrides: Partial<PreflightOptions> & { env?: NodeJS.ProcessEnv } = {}): PreflightOptions {
    return {
      fleet: f,
      siteId: target.id,
      terraformVersion: () => '1.11.4',
      probe: unreachable,
      platform: PLATFORM,
      ...overrides,
      env: {
        HOME: tempDir('home-'),
        KUBE_CONFIG_PATH: kubeconfig([...others, target.cluster.kubeContext]),
        TF_CLI_CONFIG_FILE: cliConfigFile(mirrorCliConfig(mirror)),
        ...overrides.env,
      },
    };
  }

  test('passes and prints the stacks in deploy order when the machine is ready', async () => {
    const { problems, report } = await preflight(options());
    expect(problems).toEqual([]);
    expect(report[0]).toBe(
      `preflight ${target.id}: ready (terraform 1.11.4, kube context ${target.cluster.kubeContext}, state local in terraform-state/, providers from mirror ${mirror})`,
    );
    expect(report[1]).toBe(`deploy the site, stacks in dependency order (phase ${target.phase}): npm run deploy -- '${target.id}-*'`);
    const stacks = report.slice(3).map((line) => /npm run deploy -- (\S+) --ignore-missing-stack-dependencies$/.exec(line)![1]);
    expect(stacks).toEqual([`${target.id}-foundation`, `${target.id}-platform`, ...(target.phase === 2 ? [`${target.id}-tenants`] : [])]);
  });

  test('fails on an unknown or missing site id, listing the known ones', async () => {
    const known = f.sites.map((s) => s.id).join(', ');
    expect((await preflight(options({ siteId: 'xx-nowhere' }))).problems).toEqual([
      `site: "xx-nowhere" is not a site of the fleet (known: ${known})`,
    ]);
    expect((await preflight(options({ siteId: undefined }))).problems).toEqual([
      `site: no site id given (usage: npm run preflight -- <site id>; known: ${known})`,
    ]);
  });

  test('fails when Terraform is missing or older than supported', async () => {
    expect((await preflight(options({ terraformVersion: () => undefined }))).problems).toEqual([
      `terraform: the Terraform CLI is not on PATH (install Terraform >= ${MIN_TERRAFORM_VERSION}: https://developer.hashicorp.com/terraform/install)`,
    ]);
    expect((await preflight(options({ terraformVersion: () => '1.9.8' }))).problems).toEqual([
      `terraform: version 1.9.8 is older than the supported ${MIN_TERRAFORM_VERSION} (allowed: >= ${MIN_TERRAFORM_VERSION}; the s3 backend's lock files need it)`,
    ]);
    expect((await preflight(options({ terraformVersion: () => '1.10.0' }))).problems).toEqual([]);
  });

  test("fails when the kubeconfig is not set, unreadable, or lacks the site's context", async () => {
    const context = target.cluster.kubeContext;
    expect((await preflight(options({ env: { KUBE_CONFIG_PATH: '' } }))).problems).toEqual([
      expect.stringMatching(new RegExp(`^KUBE_CONFIG_PATH: not set \\(set it to the kubeconfig file that holds context "${context}";`)),
    ]);
    const missing = join(tempDir(), 'nope');
    expect((await preflight(options({ env: { KUBE_CONFIG_PATH: missing } }))).problems).toEqual([
      `KUBE_CONFIG_PATH: ${missing} cannot be read (ENOENT); set it to a readable kubeconfig file that holds context "${context}"`,
    ]);
    const wrong = kubeconfig(['lab-a', 'lab-b']);
    expect((await preflight(options({ env: { KUBE_CONFIG_PATH: wrong } }))).problems).toEqual([
      `kubeconfig: ${wrong} has no context "${context}" (the cluster of ${target.id}); it has: lab-a, lab-b`,
    ]);
    const broken = kubeconfig([context], { dropCluster: true });
    expect((await preflight(options({ env: { KUBE_CONFIG_PATH: broken } }))).problems).toEqual([
      `kubeconfig: context "${context}" in ${broken} names cluster "${context}", which the file does not define`,
    ]);
  });

  test('reads KUBE_CONFIG_PATHS like the providers do, and refuses relative paths', async () => {
    const context = target.cluster.kubeContext;
    const first = kubeconfig(['lab-a']);
    const second = kubeconfig([context]);
    expect((await preflight(options({ env: { KUBE_CONFIG_PATH: '', KUBE_CONFIG_PATHS: `${first}:${second}` } }))).problems).toEqual([]);
    expect((await preflight(options({ env: { KUBE_CONFIG_PATH: 'kube/config' } }))).problems).toEqual([
      'KUBE_CONFIG_PATH: kube/config is a relative path; Terraform runs the providers in cdktf.out/stacks/<stack id>, where it points elsewhere (allowed: an absolute path or ~/...)',
    ]);
    const home = tempDir('home-');
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'site'), readFileSync(second, 'utf8'));
    expect((await preflight(options({ env: { HOME: home, KUBE_CONFIG_PATH: '~/.kube/site' } }))).problems).toEqual([]);
    expect((await preflight(options({ env: { TF_CLI_CONFIG_FILE: 'terraform.rc' } }))).problems).toEqual([
      'TF_CLI_CONFIG_FILE: terraform.rc is a relative path; Terraform runs in cdktf.out/stacks/<stack id>, where it points elsewhere (allowed: an absolute path)',
    ]);
  });

  test('ignores commented-out mirrors and hides credentials in network mirror URLs', async () => {
    const config = cliConfigFile(
      `provider_installation {\n  /* filesystem_mirror {\n    path = "${mirror}"\n  } */\n  network_mirror {\n    url = "https://deploy:s3cret@mirror.example.org/providers/"\n  }\n}\n`,
    );
    const probed: string[] = [];
    const { problems } = await preflight(
      options({
        probe: async (url) => {
          probed.push(url);
          return 'HTTP 404';
        },
        env: { TF_CLI_CONFIG_FILE: config },
      }),
    );
    expect(problems).toHaveLength(pinnedProviders().length);
    expect(probed[0]).toMatch(
      /^https:\/\/deploy:s3cret@mirror\.example\.org\/providers\/registry\.terraform\.io\/hashicorp\/\w+\/[\d.]+\.json$/,
    );
    expect(problems.join('\n')).not.toContain('s3cret');
    expect(problems[0]).toContain('network mirror https://***@mirror.example.org/providers/: HTTP 404');
    expect(problems[0]).toContain('no filesystem mirror is configured');
  });

  test("fails when the state backend's environment is missing", async () => {
    const pg: Fleet = { ...f, backend: { type: 'pg', schemaPrefix: 'ai_factories' } };
    expect((await preflight(options({ fleet: pg }))).problems).toEqual([
      expect.stringMatching(/^state backend pg: PG_CONN_STR is not set/),
    ]);
    expect((await preflight(options({ fleet: pg, env: { PG_CONN_STR: 'postgres://deploy@db.example.org/tfstate' } }))).problems).toEqual(
      [],
    );

    const s3: Fleet = { ...f, backend: { type: 's3', bucket: 'factory-state', region: 'eu-central-1', keyPrefix: 'ai-factories' } };
    expect((await preflight(options({ fleet: s3 }))).problems).toEqual([
      "state backend s3: no credentials for bucket factory-state in the environment (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a credentials file; on a machine with an instance role, set AWS_PROFILE to the role's profile)",
    ]);
    const home = tempDir('home-');
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\n');
    expect((await preflight(options({ fleet: s3, env: { HOME: home } }))).problems).toEqual([]);
    expect((await preflight(options({ fleet: s3, env: { AWS_ACCESS_KEY_ID: 'AKIA-test' } }))).problems).toEqual([
      "state backend s3: AWS_SECRET_ACCESS_KEY is not set (both keys of the state bucket's credentials are needed)",
    ]);
    expect((await preflight(options({ fleet: s3, env: { AWS_PROFILE: 'factory-state' } }))).problems).toEqual([]);
  });

  test('fails when the pinned providers are in no mirror and the registry cannot be reached', async () => {
    const probed: string[] = [];
    const probe: RegistryProbe = async (url) => {
      probed.push(url);
      return 'ENOTFOUND';
    };
    const { problems } = await preflight(options({ probe, env: { TF_CLI_CONFIG_FILE: join(tempDir(), 'none.rc') } }));
    expect(problems).toHaveLength(pinnedProviders().length);
    for (const provider of pinnedProviders()) {
      const type = provider.address.split('/').pop();
      expect(probed).toContain(`https://registry.terraform.io/v1/providers/hashicorp/${type}/${provider.version}/download/linux/amd64`);
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^providers: hashicorp/${type} ${provider.version.replace(/\./g, '\\.')} \\(linux_amd64\\) cannot be installed: .*registry https://registry\\.terraform\\.io: ENOTFOUND\\. Without internet: run npm run providers:mirror`,
          ),
        ),
      );
    }
    // The registry answering is enough.
    expect(
      (await preflight(options({ probe: async () => undefined, env: { TF_CLI_CONFIG_FILE: join(tempDir(), 'none.rc') } }))).problems,
    ).toEqual([]);
  });

  test('a mirror with other versions is named, and a mirror-only CLI config never goes to the registry', async () => {
    const old = stubMirror(
      pinnedProviders().map((p) => ({ ...p, version: '1.0.0' })),
      PLATFORM,
    );
    let probes = 0;
    const { problems } = await preflight(
      options({
        probe: async () => {
          probes++;
          return undefined;
        },
        env: { TF_CLI_CONFIG_FILE: cliConfigFile(mirrorCliConfig(old)) },
      }),
    );
    expect(probes).toBe(0);
    expect(problems).toHaveLength(pinnedProviders().length);
    expect(problems[0]).toContain(`(found other versions: 1.0.0 in ${old})`);
    expect(problems[0]).toContain('the CLI config allows no direct download');
  });

  test('recognises the packed layout terraform providers mirror writes', async () => {
    const packed = tempDir('packed-');
    for (const p of pinnedProviders()) {
      const dir = join(packed, ...p.address.split('/'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `terraform-provider-${p.name}_${p.version}_${PLATFORM}.zip`), 'stub');
    }
    expect(
      (
        await preflight(
          options({
            env: {
              TF_CLI_CONFIG_FILE: cliConfigFile(
                `# bastion\nprovider_installation {\n  filesystem_mirror {\n    path    = "${packed}"\n    include = ["registry.terraform.io/*/*"]\n  }\n}\n`,
              ),
            },
          }),
        )
      ).problems,
    ).toEqual([]);
  });

  test('the command prints one line per problem and exits 1, or the deploy order and exits 0', async () => {
    const closed = await freePort();
    const env = {
      ...process.env,
      HOME: tempDir('home-'),
      KUBE_CONFIG_PATH: kubeconfig(others),
      TF_CLI_CONFIG_FILE: join(tempDir(), 'none.rc'),
      FACTORY_PROVIDER_REGISTRY: `http://127.0.0.1:${closed}`,
      FACTORY_CONFIG_DIR: FIXTURE_CONFIG_DIR,
    };
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'tools/preflight.ts', ...args], {
        cwd: REPO,
        env: { ...env, ...extra },
        encoding: 'utf8',
      });

    const bad = run([target.id]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    const lines = bad.stderr.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => l.split(':')[0])).toEqual(['kubeconfig', ...pinnedProviders().map(() => 'providers')]);
    expect(lines.at(-1)).toBe(`${lines.length - 1} problem(s): fix them before a deploy, then run npm run preflight -- ${target.id} again`);
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const good = run([target.id], {
      KUBE_CONFIG_PATH: kubeconfig([target.cluster.kubeContext]),
      TF_CLI_CONFIG_FILE: cliConfigFile(mirrorCliConfig(stubMirror(pinnedProviders(), currentPlatform()))),
    });
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(new RegExp(`^preflight ${target.id}: ready \\(terraform \\d+\\.\\d+\\.\\d+, `));
    expect(good.stdout).toContain(`npm run deploy -- '${target.id}-*'`);
  });
});

describe('providers:mirror', () => {
  test('asks terraform providers mirror for exactly the versions the stacks pin', () => {
    // A stand-in terraform that records what it was asked, first on PATH.
    const bin = tempDir('bin-');
    const record = join(tempDir(), 'record.json');
    writeFileSync(
      join(bin, 'terraform'),
      `#!/bin/sh\nnode -e 'const fs=require("fs");fs.writeFileSync(process.argv[1],JSON.stringify({args:process.argv.slice(2),config:JSON.parse(fs.readFileSync("main.tf.json","utf8"))}))' ${record} "$@"\n`,
      { mode: 0o755 },
    );
    const target = join(tempDir(), 'mirror');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/providers-mirror.ts', target, 'linux_amd64', 'linux_arm64'], {
      cwd: REPO,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const recorded = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; config: unknown };
    expect(recorded.args).toEqual(['providers', 'mirror', '-platform=linux_amd64', '-platform=linux_arm64', target]);
    expect(recorded.config).toEqual(mirrorConfiguration());
    expect(run.stdout).toContain(`filesystem_mirror {\n    path = "${target}"`);
  });

  test('the mirror configuration pins what every synthesized stack requires', () => {
    const required = (mirrorConfiguration() as { terraform: { required_providers: Record<string, { source: string; version: string }> } })
      .terraform.required_providers;
    const versions = Object.fromEntries(Object.entries(required).map(([name, p]) => [name, p.version]));
    for (const stack of buildSites().flatMap(deployOrder)) {
      const synthesized = (JSON.parse(Testing.synth(stack)) as { terraform: { required_providers: Record<string, { version: string }> } })
        .terraform.required_providers;
      expect(Object.fromEntries(Object.entries(synthesized).map(([name, p]) => [name, p.version]))).toEqual(versions);
    }
  });

  test('fails with a clear message where the registry cannot be reached', () => {
    const target = join(tempDir(), 'mirror');
    // A proxy on a closed port: Terraform fails at once, the same as on a machine without internet.
    const closedProxy = 'http://127.0.0.1:9';
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/providers-mirror.ts', target], {
      cwd: REPO,
      env: {
        ...process.env,
        HTTPS_PROXY: closedProxy,
        HTTP_PROXY: closedProxy,
        https_proxy: closedProxy,
        TF_CLI_CONFIG_FILE: join(tempDir(), 'none.rc'),
      },
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /providers:mirror: terraform providers mirror failed \(exit 1\); it downloads from the public registry, so run it on a machine with internet access/,
    );
  });
});
