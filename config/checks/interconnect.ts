import type { Site } from '../model';
import { poolRails, railPlan } from '../rails';
import { at, type Finding, type SiteRef } from './finding';

/** Rails fit the NIC ports, the interface lists match the rails, and each rail subnet holds its nodes. */
export function checkInterconnect(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const { railsPerNode, railInterfaces, railHcas, fabric } = site.interconnect;
  if (site.interconnect.roce && fabric !== 'roce') {
    findings.push(at(ref, ['interconnect', 'roce'], `is set but the fabric is ${fabric} (RoCE settings apply to fabric: roce only)`));
  }
  site.nodePools.forEach((pool, i) => {
    const rails = poolRails(pool, railsPerNode);
    if (rails > pool.nicsPerNode) {
      findings.push(
        at(ref, ['nodePools', i, 'rails'], `${rails} rails need ${rails} NIC ports, the pool has nicsPerNode ${pool.nicsPerNode}`),
      );
    } else if (pool.rails !== undefined && pool.rails !== 0 && pool.rails !== railsPerNode) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'rails'],
          `${pool.rails} is not the site's railsPerNode ${railsPerNode} (allowed: 0 or ${railsPerNode}; a rail-optimised node is on every rail)`,
        ),
      );
    }
    if (rails > 0 && !pool.nic.fabrics.includes(fabric)) {
      findings.push(at(ref, ['nodePools', i, 'nic'], `"${pool.nic.id}" does not speak ${fabric}`));
    }
  });
  for (const [key, list] of [
    ['railInterfaces', railInterfaces],
    ['railHcas', railHcas],
  ] as const) {
    if (list && list.length !== railsPerNode) {
      findings.push(
        at(ref, ['interconnect', key], `lists ${list.length} entries for ${railsPerNode} rails (allowed: exactly one per rail)`),
      );
    }
    if (list && new Set(list).size !== list.length) findings.push(at(ref, ['interconnect', key], 'names an entry twice'));
  }
  let plan: ReturnType<typeof railPlan>;
  try {
    plan = railPlan(site);
  } catch {
    findings.push(
      at(
        ref,
        ['interconnect', 'addressPlan', 'rails'],
        `"${site.interconnect.addressPlan.rails}" cannot be split into ${railsPerNode} rail subnets; use a larger block`,
      ),
    );
    return findings;
  }
  if (plan.pools.length === 0) {
    findings.push(
      at(ref, ['interconnect', 'railsPerNode'], `${railsPerNode} rails but no node pool has ${railsPerNode} NIC ports to connect to them`),
    );
  } else if (plan.addressesNeeded > plan.addressesAvailable) {
    findings.push(
      at(
        ref,
        ['interconnect', 'addressPlan', 'rails'],
        `"${site.interconnect.addressPlan.rails}" split into ${railsPerNode} rails gives /${plan.rails[0].subnet.prefix} subnets of ${plan.addressesAvailable} addresses; ` +
          `the rail nodes need ${plan.addressesNeeded} (${plan.pools.reduce((s, p) => s + p.nodes, 0)} nodes x ${plan.perNodeBlockSize}); use a larger block`,
      ),
    );
  }
  return findings;
}
