import type { Construct } from 'constructs';
import type { Fleet, Site } from '../config';
import { FoundationStack } from './foundation';
import { PlatformStack } from './platform';
import type { SiteStack } from './site-stack';
import { TenantsStack } from './tenants';

/** The stacks of one site, in deploy order. */
export interface SiteStacks {
  readonly site: Site;
  readonly foundation: FoundationStack;
  readonly platform: PlatformStack;
  /** Only for phase 2 sites. */
  readonly tenants?: TenantsStack;
}

/** Builds one site: foundation, then platform, then (phase 2) tenants; no link to other sites. */
export function buildSite(scope: Construct, fleet: Fleet, site: Site): SiteStacks {
  const foundation = new FoundationStack(scope, { fleet, site });
  const platform = new PlatformStack(scope, { fleet, site });
  platform.addDependency(foundation);
  let tenants: TenantsStack | undefined;
  if (site.phase === 2) {
    tenants = new TenantsStack(scope, { fleet, site });
    tenants.addDependency(platform);
  }
  return { site, foundation, platform, tenants };
}

export function buildFleet(scope: Construct, fleet: Fleet): SiteStacks[] {
  return fleet.sites.map((site) => buildSite(scope, fleet, site));
}

/** A site's stacks in deploy order. */
export function deployOrder(stacks: SiteStacks): SiteStack[] {
  return [stacks.foundation, stacks.platform, ...(stacks.tenants ? [stacks.tenants] : [])];
}
