/**
 * Loads the fleet: reads `fleet.yaml` and every `sites/<cc>.yaml`, validates each against the
 * schema and then the fleet as a whole, and reports every problem of every file in one go.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { checkAddressPlans } from './checks/address-plan';
import { checkUniqueClusters, checkUniqueSiteIds, checkWaves } from './checks/fleet';
import type { Finding, SiteRef } from './checks/finding';
import { checkInterconnect } from './checks/interconnect';
import { checkMig } from './checks/mig';
import { checkPower } from './checks/power';
import { checkQuotas } from './checks/quotas';
import { checkSchedule } from './checks/schedule';
import { checkSiteStructure } from './checks/site-structure';
import { resolveSite, type Fleet, type Site } from './model';
import { fleetFileSchema, siteFileSchema, type FleetFile, type SiteFile } from './schema';
import { issuesToProblems } from './schema-issues';
import { SourceFile, type Problem } from './source';

export const DEFAULT_CONFIG_DIR = 'config';

export type LoadResult =
  | { readonly ok: true; readonly fleet: Fleet }
  | { readonly ok: false; readonly problems: readonly Problem[] };

const SITE_CHECKS = [checkSiteStructure, checkSchedule, checkPower, checkQuotas, checkMig, checkInterconnect];

export function loadFleet(dir: string = DEFAULT_CONFIG_DIR): LoadResult {
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

  const sitesDir = join(dir, 'sites');
  const siteFiles = listYaml(sitesDir);
  if (siteFiles === undefined || siteFiles.length === 0) {
    problems.push({ file: sitesDir, line: 1, column: 1, path: '(folder)', message: 'no site files found (expected sites/<cc>.yaml, one per country)' });
  }
  const parsedSites: { file: string; config: SiteFile }[] = [];
  for (const name of siteFiles ?? []) {
    const file = join(sitesDir, name);
    const config = parse(file, siteFileSchema);
    if (!config) continue;
    const expected = `${config.country.toLowerCase()}.yaml`;
    if (name !== expected) {
      problems.push(sources.get(file)!.problem(['country'], `"${config.country}" does not match the file name ${name} (allowed: ${name.replace(/\.yaml$/, '').toUpperCase()}, or rename the file to ${expected})`));
    }
    parsedSites.push({ file, config });
  }

  if (fleetFile) {
    const findings: Finding[] = [];
    const sites: { site: Site; ref: SiteRef }[] = parsedSites.flatMap(({ file, config }) =>
      config.sites.map((site, i) => ({ site: resolveSite(fleetFile, config.country, file, site), ref: { file, base: ['sites', i] } })),
    );
    for (const { site, ref } of sites) for (const check of SITE_CHECKS) findings.push(...check(site, ref));
    findings.push(...checkUniqueSiteIds(sites));
    findings.push(...checkUniqueClusters(sites));
    findings.push(...checkAddressPlans(sites));
    // Waves name every site, so they can only be checked when every site file could be read.
    if (parsedSites.length === (siteFiles ?? []).length) {
      findings.push(...checkWaves(fleetFile, fleetPath, sites.map((s) => s.site.id)));
    }
    problems.push(...findings.map((f) => sources.get(f.file)!.problem(f.path, f.message, f.onKey)));

    if (problems.length === 0) {
      const { name, charts, backend, images, waves } = fleetFile;
      return { ok: true, fleet: { name, charts, backend, images, waves, sites: sites.map((s) => s.site) } };
    }
  }
  return { ok: false, problems: sortProblems(problems) };
}

function listYaml(dir: string): string[] | undefined {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml')).sort();
  } catch {
    return undefined;
  }
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
