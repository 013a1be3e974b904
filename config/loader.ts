/**
 * Loads the fleet: reads `fleet.yaml` and every `sites/<cc>.yaml`, validates each against the
 * schema and then the fleet as a whole, and reports every problem of every file in one go.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { checkAddressBlocks, checkAddressPlans } from './checks/address-plan';
import { checkThresholds } from './checks/thresholds';
import { GUESSED_PER_GPU, NIC_IDS, NICS } from './catalogue';
import { checkUniqueClusters, checkUniqueSiteIds, checkWaves } from './checks/fleet';
import { at, type Finding, type SiteRef } from './checks/finding';
import { checkInterconnect } from './checks/interconnect';
import { checkMig } from './checks/mig';
import { checkPower } from './checks/power';
import { checkQuotas } from './checks/quotas';
import { checkSchedule } from './checks/schedule';
import { checkSiteStructure } from './checks/site-structure';
import { checkSystems } from './checks/systems';
import { checkStorage } from './checks/storage';
import { resolveSite, type Fleet, type Site } from './model';
import { poolRails, systemRailPorts } from './rails';
import { fleetFileSchema, siteFileSchema, type FleetFile, type SiteConfig, type SiteFile } from './schema';
import { issuesToProblems } from './schema-issues';
import { SourceFile, type Problem } from './source';

export const DEFAULT_CONFIG_DIR = 'config';

/**
 * A valid fleet comes with notes: places where the config leaves a value to a default that is a
 * guess rather than a fact (e.g. the cores of a node nobody described), for ops to confirm.
 */
export type LoadResult =
  | { readonly ok: true; readonly fleet: Fleet; readonly notes: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export interface LoadOptions {
  /**
   * Files the change under review touched (e.g. from `git diff --name-only`): a conflict between
   * two files is reported on the changed one, not on whichever sorts first. @default - none known
   */
  readonly changedFiles?: readonly string[];
}

type SiteCheck = (site: Site, ref: SiteRef) => Finding[];
const SITE_CHECKS: readonly SiteCheck[] = [
  checkSiteStructure,
  checkSystems,
  checkSchedule,
  checkPower,
  checkQuotas,
  checkMig,
  checkInterconnect,
  checkAddressBlocks,
  checkStorage,
];
/** Checks that read fleet defaults (NIC model, node overhead): skipped while fleet.yaml's defaults are broken. */
const NEEDS_FLEET_DEFAULTS: ReadonlySet<SiteCheck> = new Set([checkPower, checkInterconnect]);

/** The fleet sections site checks read, salvaged one by one from a fleet.yaml that failed the schema. */
function salvageFleet(raw: unknown): { fleet: FleetFile; broken: Set<string> } {
  const data = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const broken = new Set<string>();
  const part = <K extends 'defaults' | 'acceptance' | 'waves'>(key: K, fallback: FleetFile[K]): FleetFile[K] => {
    const result = fleetFileSchema.shape[key].safeParse(data[key]);
    if (result.success) return result.data as FleetFile[K];
    broken.add(key);
    return fallback;
  };
  // Permissive stand-ins: the fastest NIC never makes a pool look too slow, and checks that need
  // the real defaults are skipped.
  const fastest = NIC_IDS.reduce((a, b) => (NICS[b].portGbps > NICS[a].portGbps ? b : a));
  const fleet = {
    defaults: part('defaults', { gpuDriverVersion: '0', nodeOverheadW: 0, nic: fastest, nodeReserved: { cpus: 0, memoryGiB: 0 } }),
    acceptance: part('acceptance', {
      ncclBusBwGBps: 1,
      dcgmDiagLevel: 1,
      rdmaLinkGbps: 1,
      storageReadGBps: 1,
      wanUplinkFraction: 1,
      gpuPerformanceMargin: 1,
    }),
    waves: part('waves', []),
  } as unknown as FleetFile;
  return { fleet, broken };
}

/** Site ids in a site file that failed the schema, as far as they can be read. */
function salvageSiteIds(raw: unknown): string[] {
  const sites = (raw as { sites?: unknown } | null)?.sites;
  if (!Array.isArray(sites)) return [];
  return sites.map((s) => (s as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string');
}

export function loadFleet(dir: string = DEFAULT_CONFIG_DIR, options: LoadOptions = {}): LoadResult {
  const problems: Problem[] = [];
  const sources = new Map<string, SourceFile>();
  const parse = <S extends z.ZodType>(file: string, schema: S): z.output<S> | undefined => {
    const source = SourceFile.read(file);
    if (Array.isArray(source)) {
      problems.push(...source);
      return undefined;
    }
    sources.set(file, source);
    const result = schema.safeParse(source.data);
    if (!result.success) {
      problems.push(...issuesToProblems(source, schema, result.error.issues));
      return undefined;
    }
    return result.data;
  };

  const fleetPath = join(dir, 'fleet.yaml');
  const fleetFile: FleetFile | undefined = parse(fleetPath, fleetFileSchema);
  const { fleet: fleetForSites, broken } = fleetFile
    ? { fleet: fleetFile, broken: new Set<string>() }
    : salvageFleet(sources.get(fleetPath)?.data);

  const sitesDir = join(dir, 'sites');
  const siteFiles = listYaml(sitesDir);
  if (siteFiles === undefined || siteFiles.length === 0) {
    problems.push({
      file: sitesDir,
      line: 1,
      column: 1,
      path: '(folder)',
      message: 'no site files found (expected sites/<cc>.yaml, one per country)',
    });
  }
  const parsedSites: { file: string; config: SiteFile }[] = [];
  /** Ids of sites in files that failed, and the country prefixes of files whose ids are unknown. */
  const unparsedIds: string[] = [];
  const unknownPrefixes: string[] = [];
  for (const name of siteFiles ?? []) {
    const file = join(sitesDir, name);
    const config = parse(file, siteFileSchema);
    const base = name.replace(/\.ya?ml$/, '');
    if (!config) {
      const ids = salvageSiteIds(sources.get(file)?.data);
      unparsedIds.push(...ids);
      if (ids.length === 0) unknownPrefixes.push(`${base.toLowerCase()}-`);
      continue;
    }
    const expected = `${config.country.toLowerCase()}.yaml`;
    if (name !== expected) {
      const hint =
        base.toLowerCase() === config.country.toLowerCase()
          ? `site files are named <cc>.yaml in lower case (rename the file to ${expected})`
          : `allowed: ${base.toUpperCase()}, or rename the file to ${expected}`;
      problems.push(sources.get(file)!.problem(['country'], `"${config.country}" does not match the file name ${name} (${hint})`));
    }
    parsedSites.push({ file, config });
  }

  const findings: Finding[] = [];
  const sites: { site: Site; ref: SiteRef; config: SiteConfig }[] = parsedSites.flatMap(({ file, config }) =>
    config.sites.map((site, i) => ({
      site: resolveSite(fleetForSites, config.country, file, site),
      ref: { file, base: ['sites', i] },
      config: site,
    })),
  );
  const changed = new Set((options.changedFiles ?? []).map((f) => resolve(f)));
  const isChanged = (file: string) => changed.has(resolve(file));
  const checks = SITE_CHECKS.filter((check) => !broken.has('defaults') || !NEEDS_FLEET_DEFAULTS.has(check));
  for (const { site, ref, config } of sites) {
    for (const check of checks) findings.push(...check(site, ref));
    if (!broken.has('acceptance')) findings.push(...checkThresholds(site, ref, config, fleetPath, isChanged));
  }
  // Cross-file conflicts land on the later of two sites: order changed files last.
  const blameOrder = [...sites].sort((a, b) => Number(changed.has(resolve(a.ref.file))) - Number(changed.has(resolve(b.ref.file))));
  findings.push(...checkUniqueSiteIds(blameOrder));
  findings.push(...checkUniqueClusters(blameOrder));
  findings.push(...checkAddressPlans(sites, isChanged));
  if (!broken.has('waves')) {
    const known = [...sites.map((s) => s.site.id), ...unparsedIds];
    findings.push(
      ...checkWaves(
        fleetForSites,
        fleetPath,
        known,
        sites.map((s) => s.site.id),
        unknownPrefixes,
      ),
    );
  }
  problems.push(...findings.map((f) => sources.get(f.file)!.problem(f.path, f.message, f.onKey)));

  if (problems.length === 0 && fleetFile) {
    const { name, charts, backend, images, waves } = fleetFile;
    const notes = sites
      .flatMap(({ config, site, ref }) => [...guessedNodeSizes(config, ref), ...guessedRailHcas(site, ref)])
      .map((f) => sources.get(f.file)!.problem(f.path, f.message));
    return { ok: true, fleet: { name, charts, backend, images, waves, sites: sites.map((s) => s.site) }, notes: sortProblems(notes) };
  }
  return { ok: false, problems: sortProblems(problems) };
}

function listYaml(dir: string): string[] | undefined {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
      .sort();
  } catch {
    return undefined;
  }
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** A site whose rail HCAs are a guess: rail pools, no system that names its ports, no railHcas. */
function guessedRailHcas(site: Site, ref: SiteRef): Finding[] {
  const { railsPerNode, railHcas } = site.interconnect;
  const pools = site.nodePools.filter((p) => poolRails(p, railsPerNode) > 0);
  if (pools.length === 0 || railHcas || systemRailPorts(pools)) return [];
  return [
    at(
      ref,
      ['interconnect'],
      `the rail HCAs of pools ${pools.map((p) => p.name).join(', ')} default to mlx5_0..mlx5_${railsPerNode - 1}, a guess: DGX systems put storage and in-band ports between the compute ports (set each pool's system, or interconnect.railHcas)`,
    ),
  ];
}

/** Pools whose node size is a guess: no system named, and cores or memory not stated. */
function guessedNodeSizes(config: SiteConfig, ref: SiteRef): Finding[] {
  return config.nodePools.flatMap((pool, i) => {
    if (pool.system || (pool.cpusPerNode !== undefined && pool.memoryGiBPerNode !== undefined)) return [];
    const missing = [pool.cpusPerNode === undefined ? 'cpusPerNode' : '', pool.memoryGiBPerNode === undefined ? 'memoryGiBPerNode' : '']
      .filter(Boolean)
      .join(' and ');
    return [
      at(
        ref,
        ['nodePools', i],
        `pool ${pool.name} names no system and leaves ${missing} unset: queue and tenant quotas assume ${GUESSED_PER_GPU.cpus * pool.gpusPerNode} CPUs and ${GUESSED_PER_GPU.memoryGiB * pool.gpusPerNode} GiB per node (${GUESSED_PER_GPU.cpus} and ${GUESSED_PER_GPU.memoryGiB} per GPU, before defaults.nodeReserved), a guess (set system, or state them)`,
      ),
    ];
  });
}
