import type { Site } from '../model';
import type { FleetFile } from '../schema';
import { at, type Finding, type SiteRef } from './finding';

/** Site ids are unique across every file of the fleet. */
export function checkUniqueSiteIds(sites: readonly { site: Site; ref: SiteRef }[]): Finding[] {
  const first = new Map<string, Site>();
  const findings: Finding[] = [];
  for (const { site, ref } of sites) {
    const earlier = first.get(site.id);
    if (earlier)
      findings.push(at(ref, ['id'], `"${site.id}" is already defined in ${earlier.file} (site ids are unique across the fleet)`));
    else first.set(site.id, site);
  }
  return findings;
}

/**
 * Every site is in exactly one rollout wave; waves name only known sites and have unique names;
 * the canary wave is one site. `knownIds` includes sites of files that failed the schema but whose
 * ids could be read; ids starting with an `unknownPrefixes` entry (a file that could not be read
 * at all) are not reported as unknown.
 */
export function checkWaves(
  fleet: Pick<FleetFile, 'waves'>,
  fleetFile: string,
  knownIds: readonly string[],
  resolvedIds: readonly string[],
  unknownPrefixes: readonly string[] = [],
): Finding[] {
  const findings: Finding[] = [];
  const known = new Set(knownIds);
  const waveOf = new Map<string, string>();
  const names = new Map<string, number>();
  fleet.waves.forEach((wave, w) => {
    if (names.has(wave.name)) {
      findings.push({
        file: fleetFile,
        path: ['waves', w, 'name'],
        message: `"${wave.name}" is already the name of wave ${names.get(wave.name)! + 1} (wave names are unique)`,
      });
    } else {
      names.set(wave.name, w);
    }
    wave.sites.forEach((id, i) => {
      const path = ['waves', w, 'sites', i];
      if (!known.has(id)) {
        if (!unknownPrefixes.some((prefix) => id.startsWith(prefix))) {
          findings.push({
            file: fleetFile,
            path,
            message: `"${id}" is not a site of the fleet (allowed: ${[...known].sort().join(', ')})`,
          });
        }
      } else if (waveOf.has(id)) {
        findings.push({ file: fleetFile, path, message: `"${id}" is already in wave ${waveOf.get(id)} (a site is in exactly one wave)` });
      } else {
        waveOf.set(id, wave.name);
      }
    });
  });
  if (fleet.waves.length > 0 && fleet.waves[0].sites.length !== 1) {
    findings.push({
      file: fleetFile,
      path: ['waves', 0, 'sites'],
      message: `the canary wave "${fleet.waves[0].name}" has ${fleet.waves[0].sites.length} sites (allowed: exactly 1)`,
    });
  }
  const missing = resolvedIds.filter((id) => !waveOf.has(id));
  if (missing.length > 0) {
    findings.push({
      file: fleetFile,
      path: ['waves'],
      message: `${missing.map((id) => `"${id}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} in no rollout wave (add each site to one wave)`,
      onKey: true,
    });
  }
  return findings;
}

/**
 * One site, one cluster: a kube context names exactly one site's cluster, else a deploy of one
 * site would change another's. WAN uplink endpoints are unique too, so a link check measures
 * the link it names.
 */
export function checkUniqueClusters(sites: readonly { site: Site; ref: SiteRef }[]): Finding[] {
  const findings: Finding[] = [];
  const contexts = new Map<string, Site>();
  const endpoints = new Map<string, { site: Site; uplink: string }>();
  for (const { site, ref } of sites) {
    const context = site.cluster.kubeContext;
    const owner = contexts.get(context);
    if (owner) {
      findings.push(
        at(
          ref,
          ['cluster', 'kubeContext'],
          `"${context}" is already the cluster of site ${owner.id} (${owner.file}); sites ${owner.id} and ${site.id} would deploy to the same cluster (allowed: a context unique to this site${context === `${site.id}-admin` ? '' : `, e.g. ${site.id}-admin`})`,
        ),
      );
    } else {
      contexts.set(context, site);
    }
    site.interconnect.uplinks.forEach((uplink, u) => {
      const earlier = endpoints.get(uplink.endpoint);
      if (earlier) {
        const where =
          earlier.site === site
            ? `uplink ${earlier.uplink} of this site`
            : `uplink ${earlier.uplink} of site ${earlier.site.id} (${earlier.site.file})`;
        findings.push(
          at(
            ref,
            ['interconnect', 'uplinks', u, 'endpoint'],
            `${uplink.endpoint} is already the endpoint of ${where} (allowed: one test endpoint per uplink)`,
          ),
        );
      } else {
        endpoints.set(uplink.endpoint, { site, uplink: uplink.name });
      }
    });
  }
  return findings;
}
