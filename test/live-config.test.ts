/**
 * The live config country teams edit, checked only by rules that hold for any valid fleet: a
 * sign-off, a node count or a new country never needs an edit here.
 */
import { Testing } from 'cdktf/lib/testing';
import { siteGpus } from '../config/model';
import { buildFleet, deployOrder } from '../stacks/fleet';
import { LAYERS } from '../stacks/site-stack';
import { siteModelProblems, synthesizedSite } from './site-model';
import { LIVE_CONFIG_DIR, loadOrThrow } from './util';

describe('live config', () => {
  const live = loadOrThrow(LIVE_CONFIG_DIR);
  const sites = buildFleet(Testing.app(), live);

  test('every site has the stacks its phase implies, and tenants only after a signed-off Phase 1', () => {
    for (const stacks of sites) {
      const { site } = stacks;
      expect(deployOrder(stacks).map((s) => s.node.id)).toEqual(
        LAYERS.filter((l) => l !== 'tenants' || site.phase === 2).map((l) => `${site.id}-${l}`),
      );
      if (site.phase === 2) expect(site.acceptance.signOff).toBeDefined();
      expect(siteGpus(site)).toBeGreaterThan(0);
    }
  });

  test('every stack synthesizes under the fleet policies, depends only on its own site and holds no credentials', () => {
    for (const stacks of sites) {
      for (const stack of deployOrder(stacks)) {
        const json = Testing.synth(stack); // policy Aspects throw on a violation
        for (const dep of stack.dependencies) expect(dep.node.id.startsWith(`${stacks.site.id}-`)).toBe(true);
        expect(json).not.toMatch(/"(token|password|client_key|client_certificate|cluster_ca_certificate|config_path|conn_str)"/);
      }
    }
  });

  test('every site passes the site model: agents, placement, Kueue admission, MIG, CRD order, contention', () => {
    for (const stacks of sites) {
      expect(siteModelProblems(synthesizedSite(stacks))).toEqual([]);
    }
  });

  test('every site is in exactly one wave', () => {
    const waved = live.waves.flatMap((w) => w.sites);
    expect([...waved].sort()).toEqual(live.sites.map((s) => s.id).sort());
  });
});
