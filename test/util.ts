import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import type { TerraformStack } from 'cdktf/lib/terraform-stack';
import { loadFleet, type Fleet, type Site } from '../config';
import { formatProblem } from '../config/source';
import { buildFleet, type SiteStacks } from '../stacks/fleet';
import { parse as parseYaml } from 'yaml';

export const REPO = resolve(__dirname, '..');
/** The live config country teams edit: only rules that hold for any valid fleet test it. */
export const LIVE_CONFIG_DIR = join(REPO, 'config');
/** The frozen fixture fleet construct, loader and snapshot tests run against. */
export const FIXTURE_CONFIG_DIR = join(REPO, 'test', 'fixtures', 'fleet');

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'factory-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

/** A copy of the fixture fleet, to break on purpose. */
export class ConfigCopy {
  readonly dir: string;

  constructor() {
    this.dir = join(tempDir('factory-config-'), 'config');
    cpSync(FIXTURE_CONFIG_DIR, this.dir, { recursive: true });
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  write(file: string, text: string): this {
    writeFileSync(join(this.dir, file), text);
    return this;
  }

  /** Replaces `from` (which must occur in the file) by `to`. */
  replace(file: string, from: string | RegExp, to: string): this {
    const text = this.read(file);
    const next = text.replace(from, to);
    if (next === text) throw new Error(`test setup: ${String(from)} not found in ${file}`);
    return this.write(file, next);
  }

  remove(file: string): this {
    rmSync(join(this.dir, file));
    return this;
  }

  /** The problems the loader reports, formatted, with the temp folder shown as `config/`. */
  problems(): string[] {
    const result = loadFleet(this.dir);
    if (result.ok) return [];
    return result.problems.map((p) => formatProblem(p).split(`${this.dir}/`).join('config/'));
  }
}

/** The fixture fleet, loaded once. */
let fixtureFleet: Fleet | undefined;
export function fleet(): Fleet {
  if (!fixtureFleet) fixtureFleet = loadOrThrow(FIXTURE_CONFIG_DIR);
  return fixtureFleet;
}

export function loadOrThrow(dir: string): Fleet {
  const result = loadFleet(dir);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.fleet;
}

export function site(id: string): Site {
  const found = fleet().sites.find((s) => s.id === id);
  if (!found) throw new Error(`no site ${id}`);
  return found;
}

/** A fleet with only `site` in it (a site altered for a test). */
export function fleetOf(...sites: Site[]): Fleet {
  return { ...fleet(), sites };
}

export function buildSites(f: Fleet = fleet()): SiteStacks[] {
  return buildFleet(Testing.app(), f);
}

export interface Synthesized {
  readonly [type: string]: { readonly [name: string]: Record<string, unknown> };
}

/** The synthesized resources of a stack, by type then name. */
export function resources(stack: TerraformStack): Synthesized {
  return (JSON.parse(Testing.synth(stack)) as { resource?: Synthesized }).resource ?? {};
}

export function resourceCount(stack: TerraformStack): number {
  return Object.values(resources(stack)).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

/** The Helm values of each release in a stack, by chart name. */
export function releaseValues(stack: TerraformStack): Record<string, Record<string, unknown>> {
  const releases = resources(stack).helm_release ?? {};
  return Object.fromEntries(
    Object.values(releases).map((r) => [r.chart as string, parseYaml((r.values as string[])[0]) as Record<string, unknown>]),
  );
}

/** The custom resources (kubernetes_manifest) of a stack. */
export function manifests(stack: TerraformStack): Record<string, unknown>[] {
  return Object.values(resources(stack).kubernetes_manifest ?? {}).map((r) => r.manifest as Record<string, unknown>);
}
