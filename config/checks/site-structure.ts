import type { Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

/** Names are unique where they become Kubernetes names, and references point at things that exist. */
export function checkSiteStructure(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const prefix = `${site.country.toLowerCase()}-`;
  if (!site.id.startsWith(prefix)) {
    findings.push(at(ref, ['id'], `"${site.id}" does not start with the country code (allowed: ${prefix}<city>)`));
  }
  findings.push(
    ...duplicates(
      ref,
      'nodePools',
      site.nodePools.map((p) => p.name),
    ),
  );
  findings.push(
    ...duplicates(
      ref,
      'tenants',
      site.tenants.map((t) => t.name),
    ),
  );
  findings.push(
    ...duplicates(
      ref,
      'interconnect.uplinks',
      site.interconnect.uplinks.map((u) => u.name),
    ),
  );

  site.nodePools.forEach((pool, i) => {
    if (pool.gpu.vendor !== 'nvidia') {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'gpu'],
          `"${pool.gpu.id}" is an ${pool.gpu.vendor.toUpperCase()} GPU; the GPU layer drives NVIDIA GPUs through the NVIDIA GPU Operator (allowed: NVIDIA models)`,
        ),
      );
    }
    // Kueue flavors are named after pools with these suffixes: a pool named so would collide.
    const suffix = ['-spread', '-nvlink'].find((end) => pool.name.endsWith(end));
    if (suffix) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'name'],
          `"${pool.name}" ends in "${suffix}", which names the pools' Kueue flavors (allowed: any other name)`,
        ),
      );
    }
    if (pool.racks.perBlock > pool.racks.count) {
      findings.push(
        at(ref, ['nodePools', i, 'racks', 'perBlock'], `${pool.racks.perBlock} is more than the pool's ${pool.racks.count} racks`),
      );
    }
    if (pool.nodes < pool.racks.count) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'racks', 'count'],
          `${pool.racks.count} racks for ${pool.nodes} nodes leaves racks empty (allowed: at most ${pool.nodes})`,
        ),
      );
    }
    if (pool.nicsPerNode > 0 && pool.nic.portGbps < site.interconnect.linkGbps) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'nic'],
          `"${pool.nic.id}" runs at ${pool.nic.portGbps} Gb/s, slower than the fabric's linkGbps ${site.interconnect.linkGbps}`,
        ),
      );
    }
  });

  const { alerting } = site.monitoring;
  const receivers = alerting.receivers.map((r) => r.name);
  findings.push(...duplicates(ref, 'monitoring.alerting.receivers', receivers));
  for (const route of ['critical', 'warning'] as const) {
    (alerting[route] ?? []).forEach((name, i) => {
      if (!receivers.includes(name)) {
        findings.push(
          at(ref, ['monitoring', 'alerting', route, i], `"${name}" is not a receiver of ${site.id} (allowed: ${receivers.join(', ')})`),
        );
      }
    });
  }
  if (alerting.watchdog && !receivers.includes(alerting.watchdog)) {
    findings.push(
      at(
        ref,
        ['monitoring', 'alerting', 'watchdog'],
        `"${alerting.watchdog}" is not a receiver of ${site.id} (allowed: ${receivers.join(', ')})`,
      ),
    );
  }
  const inference = site.services.inference;
  if (inference?.enabled && !site.nodePools.some((p) => p.name === inference.pool)) {
    findings.push(
      at(
        ref,
        ['services', 'inference', 'pool'],
        `"${inference.pool}" is not a node pool of ${site.id} (allowed: ${site.nodePools.map((p) => p.name).join(', ')})`,
      ),
    );
  }
  if (site.storage.backend === 'external' && !site.storage.external) {
    findings.push(at(ref, ['storage', 'backend'], '"external" needs storage.external { csiDriver, fileSystem }'));
  }
  if (site.storage.backend !== 'external' && site.storage.external) {
    findings.push(
      at(ref, ['storage', 'external'], `is set but backend is "${site.storage.backend}" (set backend: external, or remove it)`),
    );
  }
  return findings;
}

function duplicates(ref: SiteRef, list: string, names: readonly string[]): Finding[] {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      findings.push(
        at(ref, [...list.split('.'), i, 'name'], `"${name}" is already used by ${list}[${first}] (names must be unique within a site)`),
      );
    } else {
      seen.set(name, i);
    }
  });
  return findings;
}
