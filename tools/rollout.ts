/**
 * `npm run rollout`: the fleet's rollout plan, wave by wave (from fleet.yaml): each site's phase,
 * its stacks in deploy order and the commands ops run. Offline: reads config only.
 */
import { DEFAULT_CONFIG_DIR, loadFleet } from '../config/loader';
import type { Fleet } from '../config/model';
import { formatProblem } from '../config/source';
import { siteStackIds } from '../stacks/site-stack';

export function rolloutPlan(fleet: Fleet): string {
  const lines: string[] = [];
  fleet.waves.forEach((wave, w) => {
    lines.push(`Wave ${w + 1}: ${wave.name}${w === 0 ? ' (merge and deploy here first)' : ''}`);
    for (const id of wave.sites) {
      const site = fleet.sites.find((s) => s.id === id)!;
      const stacks = siteStackIds(site);
      const gate =
        site.phase === 2
          ? `Phase 1 signed off ${site.acceptance.signOff!.date}`
          : `Phase 1 acceptance open; Phase 2 planned ${site.schedule.phase2.start}`;
      lines.push(`  ${site.id} (${site.city}) phase ${site.phase}: ${gate}`);
      lines.push(`    stacks: ${stacks.join(' -> ')}`);
      lines.push(`    KUBE_CONFIG_PATH=<kubeconfig with context ${site.cluster.kubeContext}>`);
      lines.push(`    npm run preflight -- ${site.id}`);
      lines.push(`    npm run deploy -- '${site.id}-*'`);
    }
  });
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const result = loadFleet(process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR);
  if (!result.ok) {
    for (const problem of result.problems) console.error(formatProblem(problem));
    process.exitCode = 1;
  } else {
    process.stdout.write(rolloutPlan(result.fleet));
  }
}
