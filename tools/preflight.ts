/**
 * `npm run preflight -- <site id>`: everything a deploy of one site needs from this machine,
 * checked before `cdktf deploy` runs: the Terraform CLI, the kubeconfig and the site's context,
 * the state backend's environment, and the pinned providers (a mirror, or the registry).
 * One line per problem and exit 1; on success, the stacks in deploy order and exit 0.
 * It reads nothing but config, the kubeconfig's names and the CLI config; it never contacts a cluster.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CONFIG_DIR, loadFleet } from '../config/loader';
import type { Fleet, Site } from '../config/model';
import { formatProblem } from '../config/source';
import { siteStackIds } from '../stacks/site-stack';
import { currentPlatform, installationConfig, mirrorHas, mirrorVersions, pinnedProviders, type PinnedProvider } from './private/providers';

/** Oldest Terraform the synthesized stacks support: the s3 backend's `use_lockfile` came in 1.10. */
export const MIN_TERRAFORM_VERSION = '1.10.0';
export const DEFAULT_REGISTRY = 'https://registry.terraform.io';

/** Whether a provider package can be downloaded; resolves to an error text when it cannot. */
export type RegistryProbe = (url: string) => Promise<string | undefined>;

export interface PreflightOptions {
  readonly fleet: Fleet;
  readonly siteId: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** The installed Terraform version, or undefined when there is none. */
  readonly terraformVersion: () => string | undefined;
  readonly probe: RegistryProbe;
  readonly platform?: string;
}

export interface PreflightResult {
  readonly problems: string[];
  /** What will be deployed, when there is no problem. */
  readonly report: string[];
}

export async function preflight(options: PreflightOptions): Promise<PreflightResult> {
  const { fleet, siteId, env } = options;
  const known = fleet.sites.map((s) => s.id).join(', ');
  if (!siteId) return { problems: [`site: no site id given (usage: npm run preflight -- <site id>; known: ${known})`], report: [] };
  const site = fleet.sites.find((s) => s.id === siteId);
  if (!site) return { problems: [`site: "${siteId}" is not a site of the fleet (known: ${known})`], report: [] };

  const terraform = checkTerraform(options.terraformVersion());
  const kube = checkKubeconfig(site, env);
  const backend = checkBackend(fleet, env);
  const providers = await checkProviders(env, options.probe, options.platform ?? currentPlatform());
  const problems = [...terraform.problems, ...kube, ...backend, ...providers.problems];
  if (problems.length > 0) return { problems, report: [] };

  const stacks = siteStackIds(site);
  return {
    problems,
    report: [
      `preflight ${site.id}: ready (terraform ${terraform.version}, kube context ${site.cluster.kubeContext}, state ${describeBackend(fleet)}, providers from ${providers.source})`,
      `deploy the site, stacks in dependency order (phase ${site.phase}): npm run deploy -- '${site.id}-*'`,
      'or one stack at a time, in this order:',
      ...stacks.map((id, i) => `  ${i + 1}. npm run deploy -- ${id} --ignore-missing-stack-dependencies`),
    ],
  };
}

// ---------------------------------------------------------------- checks

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function checkTerraform(version: string | undefined): { problems: string[]; version?: string } {
  if (version === undefined) {
    return {
      problems: [
        `terraform: the Terraform CLI is not on PATH (install Terraform >= ${MIN_TERRAFORM_VERSION}: https://developer.hashicorp.com/terraform/install)`,
      ],
    };
  }
  if (compareVersions(version, MIN_TERRAFORM_VERSION) < 0) {
    return {
      problems: [
        `terraform: version ${version} is older than the supported ${MIN_TERRAFORM_VERSION} (allowed: >= ${MIN_TERRAFORM_VERSION}; the s3 backend's lock files need it)`,
      ],
      version,
    };
  }
  return { problems: [], version };
}

interface Kubeconfig {
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string }[];
  users?: { name?: string }[];
}

/**
 * The kubeconfig files the providers read: KUBE_CONFIG_PATHS (a list, merged like kubectl does)
 * or KUBE_CONFIG_PATH, with `~` expanded as the providers do.
 */
function kubeconfigPaths(env: NodeJS.ProcessEnv): { variable: string; paths: string[] } | undefined {
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? join(env.HOME ?? homedir(), p.slice(1)) : p);
  if (env.KUBE_CONFIG_PATHS)
    return { variable: 'KUBE_CONFIG_PATHS', paths: env.KUBE_CONFIG_PATHS.split(delimiter).filter(Boolean).map(expand) };
  if (env.KUBE_CONFIG_PATH) return { variable: 'KUBE_CONFIG_PATH', paths: [expand(env.KUBE_CONFIG_PATH)] };
  return undefined;
}

function checkKubeconfig(site: Site, env: NodeJS.ProcessEnv): string[] {
  const context = site.cluster.kubeContext;
  const configured = kubeconfigPaths(env);
  if (!configured) {
    return [
      `KUBE_CONFIG_PATH: not set (set it to the kubeconfig file that holds context "${context}"; the kubernetes and helm providers read it at deploy time, and it never enters config or output)`,
    ];
  }
  const { variable, paths } = configured;
  const merged: Required<Kubeconfig> = { contexts: [], clusters: [], users: [] };
  for (const path of paths) {
    if (!isAbsolute(path)) {
      return [
        `${variable}: ${path} is a relative path; Terraform runs the providers in cdktf.out/stacks/<stack id>, where it points elsewhere (allowed: an absolute path or ~/...)`,
      ];
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      return [
        `${variable}: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); set it to a readable kubeconfig file that holds context "${context}"`,
      ];
    }
    let config: Kubeconfig;
    try {
      config = (parseYaml(text, { maxAliasCount: 100 }) ?? {}) as Kubeconfig;
    } catch (err) {
      return [`${variable}: ${path} is not a kubeconfig (YAML error: ${(err as Error).message.split('\n')[0]})`];
    }
    if (typeof config !== 'object' || config === null) return [`${variable}: ${path} is not a kubeconfig (no contexts)`];
    for (const key of ['contexts', 'clusters', 'users'] as const) {
      const entries = Array.isArray(config[key]) ? config[key] : [];
      (merged[key] as { name?: string }[]).push(
        ...entries.filter((e) => !(merged[key] as { name?: string }[]).some((m) => m?.name === e?.name)),
      );
    }
  }
  const where = paths.join(delimiter);
  const found = merged.contexts.find((c) => c?.name === context);
  if (!found) {
    const names = merged.contexts.map((c) => c?.name).filter(Boolean);
    return [
      `kubeconfig: ${where} has no context "${context}" (the cluster of ${site.id}); it has: ${names.length > 0 ? names.join(', ') : 'no contexts'}`,
    ];
  }
  const problems: string[] = [];
  const cluster = found.context?.cluster;
  if (!cluster || !merged.clusters.some((c) => c?.name === cluster)) {
    problems.push(`kubeconfig: context "${context}" in ${where} names cluster "${cluster ?? ''}", which the file does not define`);
  }
  const user = found.context?.user;
  if (!user || !merged.users.some((u) => u?.name === user)) {
    problems.push(`kubeconfig: context "${context}" in ${where} names user "${user ?? ''}", which the file does not define`);
  }
  return problems;
}

/** What the state backend needs from the environment; also checked by npm run deploy|plan|destroy. */
export function checkBackend(fleet: Fleet, env: NodeJS.ProcessEnv): string[] {
  const backend = fleet.backend;
  switch (backend.type) {
    case 'local':
      return [];
    case 'pg':
      if (!env.PG_CONN_STR)
        return [
          'state backend pg: PG_CONN_STR is not set (set it to postgres://<user>@<host>:<port>/<database>, with the password in PGPASSWORD or ~/.pgpass)',
        ];
      if (!/^postgres(ql)?:\/\//.test(env.PG_CONN_STR) && !/\w+=/.test(env.PG_CONN_STR)) {
        return ['state backend pg: PG_CONN_STR is not a PostgreSQL connection string (allowed: postgres://... or key=value pairs)'];
      }
      return [];
    case 's3': {
      if (
        env.AWS_PROFILE ||
        env.AWS_WEB_IDENTITY_TOKEN_FILE ||
        env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
        env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
      )
        return [];
      if (existsSync(env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME ?? homedir(), '.aws', 'credentials'))) return [];
      const id = Boolean(env.AWS_ACCESS_KEY_ID);
      const secret = Boolean(env.AWS_SECRET_ACCESS_KEY);
      if (id && secret) return [];
      if (id !== secret)
        return [
          `state backend s3: ${id ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is not set (both keys of the state bucket's credentials are needed)`,
        ];
      return [
        `state backend s3: no credentials for bucket ${backend.bucket} in the environment (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a credentials file; on a machine with an instance role, set AWS_PROFILE to the role's profile)`,
      ];
    }
  }
}

function describeBackend(fleet: Fleet): string {
  const backend = fleet.backend;
  switch (backend.type) {
    case 'local':
      return `local in ${backend.directory}/`;
    case 's3':
      return `s3://${backend.bucket}/${backend.keyPrefix}/`;
    case 'pg':
      return `pg (PG_CONN_STR), schemas ${backend.schemaPrefix}_*`;
  }
}

/** A URL with any user and password replaced, for messages. */
const redact = (url: string) => url.replace(/\/\/[^@/]+@/, '//***@');

async function checkProviders(
  env: NodeJS.ProcessEnv,
  probe: RegistryProbe,
  platform: string,
): Promise<{ problems: string[]; source: string }> {
  // Terraform runs in cdktf.out/stacks/<stack id>: relative paths would point elsewhere there.
  if (env.TF_CLI_CONFIG_FILE && !isAbsolute(env.TF_CLI_CONFIG_FILE)) {
    return {
      problems: [
        `TF_CLI_CONFIG_FILE: ${env.TF_CLI_CONFIG_FILE} is a relative path; Terraform runs in cdktf.out/stacks/<stack id>, where it points elsewhere (allowed: an absolute path)`,
      ],
      source: '',
    };
  }
  const install = installationConfig(env);
  const relativeMirrors = install.filesystemMirrors.filter((m) => !isAbsolute(m));
  if (relativeMirrors.length > 0) {
    return {
      problems: relativeMirrors.map(
        (m) =>
          `providers: filesystem_mirror path "${m}" in ${install.file} is relative; Terraform runs in cdktf.out/stacks/<stack id>, where it points elsewhere (allowed: an absolute path)`,
      ),
      source: '',
    };
  }
  const [os, arch] = platform.split('_');
  const registry = (env.FACTORY_PROVIDER_REGISTRY || DEFAULT_REGISTRY).replace(/\/$/, '');
  const problems: string[] = [];
  const sources = new Set<string>();
  for (const provider of pinnedProviders()) {
    const label = `${provider.address.replace(/^registry\.terraform\.io\//, '')} ${provider.version} (${platform})`;
    const mirror = install.filesystemMirrors.find((m) => mirrorHas(m, provider, platform));
    if (mirror) {
      sources.add(`mirror ${mirror}`);
      continue;
    }
    const tried: string[] = [];
    let reached = false;
    for (const url of install.networkMirrors) {
      const error = await probe(`${url.replace(/\/?$/, '/')}${provider.address}/${provider.version}.json`);
      if (!error) {
        reached = true;
        sources.add(`network mirror ${redact(url)}`);
        break;
      }
      tried.push(`network mirror ${redact(url)}: ${error}`);
    }
    if (!reached && install.direct) {
      const [, namespace, type] = provider.address.split('/');
      const error = await probe(`${registry}/v1/providers/${namespace}/${type}/${provider.version}/download/${os}/${arch}`);
      if (!error) {
        reached = true;
        sources.add(`registry ${registry}`);
      } else tried.push(`registry ${registry}: ${error}`);
    }
    if (!reached) problems.push(providerProblem(label, provider, install, tried));
  }
  return { problems, source: [...sources].join(', ') };
}

function providerProblem(label: string, provider: PinnedProvider, install: ReturnType<typeof installationConfig>, tried: string[]): string {
  const mirrors = install.filesystemMirrors;
  const others = mirrors.flatMap((m) => mirrorVersions(m, provider).map((v) => `${v} in ${m}`));
  const inMirrors =
    mirrors.length === 0
      ? 'no filesystem mirror is configured'
      : `it is in none of the filesystem mirrors ${install.explicit ? `of ${install.file}` : '(implicit)'} ${mirrors.join(', ')}${others.length > 0 ? ` (found other versions: ${others.join('; ')})` : ''}`;
  const notDirect = install.direct ? '' : '; the CLI config allows no direct download';
  return (
    `providers: ${label} cannot be installed: ${inMirrors}${tried.length > 0 ? `; ${tried.join('; ')}` : ''}${notDirect}. ` +
    'Without internet: run npm run providers:mirror -- <dir> where there is, copy <dir> here and set TF_CLI_CONFIG_FILE to a file with provider_installation { filesystem_mirror { path = "<dir>" } } (README, "Deploying without internet")'
  );
}

// ---------------------------------------------------------------- command

function installedTerraform(): string | undefined {
  const r = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (r.error || r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return undefined;
  }
}

/**
 * A GET with a short timeout; only a 2xx answer counts. Through curl where there is one, so that
 * HTTPS_PROXY, NO_PROXY and the system's CA certificates apply as they do for Terraform.
 */
export const httpProbe: RegistryProbe = async (url) => {
  const curl = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', url], { encoding: 'utf8' });
  if (!curl.error) {
    const status = Number(curl.stdout.trim());
    if (status >= 200 && status < 300) return undefined;
    return status > 0 ? `HTTP ${status}` : curl.stderr.trim().replace(/^curl: \(\d+\) /, '') || `curl exit ${curl.status}`;
  }
  try {
    const response = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(5000) });
    return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (err as Error).message;
  }
};

async function main(): Promise<number> {
  const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const loaded = loadFleet(configDir);
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(formatProblem(problem));
    console.error(`${loaded.problems.length} problem(s) in ${configDir}: fix the config before a deploy`);
    return 1;
  }
  const { problems, report } = await preflight({
    fleet: loaded.fleet,
    siteId: process.argv[2],
    env: process.env,
    terraformVersion: installedTerraform,
    probe: httpProbe,
  });
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    console.error(
      `${problems.length} problem(s): fix them before a deploy, then run npm run preflight -- ${process.argv[2] ?? '<site id>'} again`,
    );
    return 1;
  }
  for (const line of report) console.log(line);
  return 0;
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
