/**
 * The Terraform providers every site stack pins, and where Terraform can install them from: the
 * CLI configuration's `provider_installation` (filesystem or network mirrors, direct) or, without
 * one, the implicit local mirror folders and the public registry.
 * @see https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf/lib/app';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { SiteProviders } from '../../constructs/site-providers';

export interface PinnedProvider {
  /** Local name, e.g. `kubernetes`. */
  readonly name: string;
  /** Registry address, e.g. `registry.terraform.io/hashicorp/kubernetes`. */
  readonly address: string;
  /** Exact version the synthesized `required_providers` pins. */
  readonly version: string;
}

/** The providers of a site stack, read from what the bindings synthesize (never a second list). */
export function pinnedProviders(): PinnedProvider[] {
  const outdir = mkdtempSync(join(tmpdir(), 'providers-')); // App creates its folder; nothing is written to it
  let required: Record<string, { source: string; version: string }>;
  try {
    const stack = new TerraformStack(new App({ outdir, skipValidation: true }), 'providers');
    new SiteProviders(stack, 'providers', { kubeContext: 'any' });
    required = (stack.toTerraform() as { terraform: { required_providers: typeof required } }).terraform.required_providers;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return Object.entries(required)
    .map(([name, { source, version }]) => ({ name, address: providerAddress(source), version }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `helm` -> `registry.terraform.io/hashicorp/helm`, as Terraform reads a short source. */
function providerAddress(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${source}`;
  return source;
}

/** Terraform's platform name of this machine, e.g. `linux_amd64`. */
export function currentPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return `${process.platform === 'win32' ? 'windows' : process.platform}_${arch[process.arch] ?? process.arch}`;
}

export interface InstallationConfig {
  /** The CLI config file read, if any. */
  readonly file?: string;
  /** Whether the file has a provider_installation block (else Terraform's implicit defaults apply). */
  readonly explicit: boolean;
  readonly filesystemMirrors: string[];
  readonly networkMirrors: string[];
  /** Whether providers may come from their origin registry. */
  readonly direct: boolean;
}

/** Terraform's implicit local mirror folders (used when no provider_installation block exists). */
function implicitMirrors(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  const dataDirs = (env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':').filter(Boolean);
  return [
    join(home, '.terraform.d', 'plugins'),
    join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'terraform', 'plugins'),
    ...dataDirs.map((d) => join(d, 'terraform', 'plugins')),
  ];
}

/**
 * Reads the provider installation methods from the CLI config (`TF_CLI_CONFIG_FILE`, else
 * `~/.terraformrc`). A small reader of the few HCL forms this block takes, not a full HCL parser.
 */
export function installationConfig(env: NodeJS.ProcessEnv = process.env): InstallationConfig {
  const file = env.TF_CLI_CONFIG_FILE || join(env.HOME ?? homedir(), '.terraformrc');
  let text = '';
  try {
    text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|\s)(#|\/\/).*$/gm, '$1');
  } catch {
    return { explicit: false, filesystemMirrors: implicitMirrors(env), networkMirrors: [], direct: true };
  }
  const block = /provider_installation\s*\{([\s\S]*)\}/.exec(text)?.[1];
  if (block === undefined) return { file, explicit: false, filesystemMirrors: implicitMirrors(env), networkMirrors: [], direct: true };
  const values = (method: string, key: string) =>
    [...block.matchAll(new RegExp(`${method}\\s*\\{[^}]*?${key}\\s*=\\s*"([^"]+)"`, 'g'))].map((m) => m[1]);
  return {
    file,
    explicit: true,
    filesystemMirrors: values('filesystem_mirror', 'path'),
    networkMirrors: values('network_mirror', 'url'),
    direct: /(^|\s)direct\s*\{/.test(block),
  };
}

/**
 * Whether `mirror` holds the provider for the platform, in either layout Terraform reads:
 * unpacked (`<address>/<version>/<platform>/terraform-provider-*`) or packed
 * (`<address>/terraform-provider-<name>_<version>_<platform>.zip`, what `terraform providers mirror` writes).
 */
export function mirrorHas(mirror: string, provider: PinnedProvider, platform: string): boolean {
  const base = join(mirror, ...provider.address.split('/'));
  const unpacked = join(base, provider.version, platform);
  const type = provider.address.split('/').pop()!;
  if (existsSync(unpacked) && readdirSync(unpacked).some((f) => f.startsWith(`terraform-provider-${type}`))) return true;
  return existsSync(join(base, `terraform-provider-${type}_${provider.version}_${platform}.zip`));
}

/** The versions of a provider a mirror holds, for a helpful message. */
export function mirrorVersions(mirror: string, provider: PinnedProvider): string[] {
  const base = join(mirror, ...provider.address.split('/'));
  if (!existsSync(base)) return [];
  const type = provider.address.split('/').pop()!;
  const versions = new Set<string>();
  for (const entry of readdirSync(base)) {
    const packed = new RegExp(`^terraform-provider-${type}_([^_]+)_`).exec(entry);
    if (packed) versions.add(packed[1]);
    else if (/^\d+\.\d+\.\d+/.test(entry)) versions.add(entry);
  }
  return [...versions].sort();
}
