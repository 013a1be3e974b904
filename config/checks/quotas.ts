import { PROGRAMMES } from '../schema';
import { healthCheckReserveGpus, siteGpus, type Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

/** Programme quotas fit the site's GPUs; tenant quotas fit their programme. */
export function checkQuotas(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const capacity = siteGpus(site);
  const reserve = healthCheckReserveGpus(site).reduce((a, b) => a + b, 0);
  const nominal = PROGRAMMES.reduce((sum, p) => sum + site.programmes[p].gpus, 0);
  if (nominal > capacity) {
    findings.push(
      at(
        ref,
        ['programmes'],
        `quotas add up to ${nominal} GPUs (${PROGRAMMES.map((p) => `${p} ${site.programmes[p].gpus}`).join(', ')}), more than the site's ${capacity} GPUs`,
      ),
    );
  } else if (nominal > capacity - reserve) {
    findings.push(
      at(
        ref,
        ['programmes'],
        `quotas add up to ${nominal} GPUs; with the ${reserve} GPUs the weekly health checks keep (one node per pool, two on the rails) at most ${capacity - reserve} of the site's ${capacity} are left`,
      ),
    );
  }
  for (const p of PROGRAMMES) {
    const borrowing = site.programmes[p].borrowingLimitGpus;
    if (borrowing !== undefined && borrowing > capacity - site.programmes[p].gpus) {
      findings.push(
        at(
          ref,
          ['programmes', p, 'borrowingLimitGpus'],
          `${borrowing} is more than the GPUs other programmes hold (allowed: at most ${capacity - site.programmes[p].gpus})`,
        ),
      );
    }
  }
  const used: Record<string, number> = {};
  site.tenants.forEach((tenant, i) => {
    const quota = site.programmes[tenant.programme].gpus;
    used[tenant.programme] = (used[tenant.programme] ?? 0) + tenant.gpus;
    if (used[tenant.programme] > quota) {
      findings.push(
        at(
          ref,
          ['tenants', i, 'gpus'],
          `${tenant.gpus} brings the ${tenant.programme} tenants to ${used[tenant.programme]} GPUs, over the programme quota of ${quota}`,
        ),
      );
    }
  });
  return findings;
}
