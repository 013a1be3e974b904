import { siteFacilityPowerW, siteItPowerW, type Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

const mw = (watts: number) => (watts / 1e6).toFixed(2);

/** The hardware at full load, times PUE, fits the site's power budget. */
export function checkPower(site: Site, ref: SiteRef): Finding[] {
  const facilityW = siteFacilityPowerW(site);
  if (facilityW <= site.energy.budgetMW * 1e6) return [];
  return [
    at(
      ref,
      ['energy', 'budgetMW'],
      `${site.energy.budgetMW} MW is exceeded by the hardware: ${mw(facilityW)} MW ` +
        `(IT ${mw(siteItPowerW(site))} MW x PUE ${site.energy.pue}; GPUs at TDP plus per-node overhead); raise budgetMW or shrink the node pools`,
    ),
  ];
}
