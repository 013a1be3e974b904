import type { Site } from '../model';
import { poolRails } from '../rails';
import type { SiteConfig } from '../schema';
import { at, type Finding, type SiteRef } from './finding';

/**
 * Acceptance thresholds a healthy fabric can meet: an RDMA pair test cannot beat the link speed,
 * and all-reduce bus bandwidth between nodes cannot beat the rails' aggregate. A check that can
 * never pass blocks a sign-off for nothing. Reported on the site when it sets the value, else on
 * fleet.yaml, naming the site.
 */
export function checkThresholds(
  site: Site,
  ref: SiteRef,
  config: Pick<SiteConfig, 'acceptance'>,
  fleetFile: string,
  isChanged: (file: string) => boolean = () => false,
): Finding[] {
  const findings: Finding[] = [];
  const own = config.acceptance as Record<string, unknown>;
  // On the site when it sets the value, or when the change under review touched the site and
  // not fleet.yaml (a new linkGbps makes the inherited value impossible); else on fleet.yaml.
  const onSite = (key: string) => own[key] !== undefined || (isChanged(site.file) && !isChanged(fleetFile));
  const report = (key: 'rdmaLinkGbps' | 'ncclBusBwGBps', message: string) => {
    findings.push(
      onSite(key)
        ? at(
            ref,
            own[key] !== undefined ? ['acceptance', key] : ['interconnect', 'linkGbps'],
            own[key] !== undefined
              ? message
              : `acceptance.${key} (from fleet.yaml): ${message}; set a lower acceptance.${key} for this site`,
          )
        : {
            file: fleetFile,
            path: ['acceptance', key],
            message: `${message} at site ${site.id} (${site.file}); set a lower value there or here`,
          },
    );
  };
  const { linkGbps, railsPerNode } = site.interconnect;
  const railPools = site.nodePools.filter((pool) => poolRails(pool, railsPerNode) > 0);
  if (railPools.length === 0) return findings;
  const { rdmaLinkGbps, ncclBusBwGBps } = site.acceptance;
  if (rdmaLinkGbps > linkGbps) {
    report(
      'rdmaLinkGbps',
      `${rdmaLinkGbps} Gb/s can never be measured on ${linkGbps} Gb/s links (allowed: below linkGbps, e.g. ${Math.floor(linkGbps * 0.9)})`,
    );
  }
  const railGBps = (railsPerNode * linkGbps) / 8;
  if (ncclBusBwGBps > railGBps) {
    report(
      'ncclBusBwGBps',
      `${ncclBusBwGBps} GB/s is above what ${railsPerNode} rails of ${linkGbps} Gb/s carry between nodes (${railGBps} GB/s; allowed: below, e.g. ${Math.floor(railGBps * 0.8)})`,
    );
  }
  return findings;
}
