/**
 * The loader on broken fleets: every problem of every file in one run, each on the right file,
 * hints that do not mislead, files that are not regular files, and checks for values that
 * would produce acceptance checks or networks that can never work.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadFleet } from '../config';
import { formatProblem } from '../config/source';
import { ConfigCopy } from './util';

/** Problems of a broken copy, loaded with the given changed files. */
function problemsWith(config: ConfigCopy, changedFiles: string[]): string[] {
  const result = loadFleet(config.dir, { changedFiles: changedFiles.map((f) => join(config.dir, f)) });
  return result.ok ? [] : result.problems.map((p) => formatProblem(p).split(`${config.dir}/`).join('config/'));
}

describe('loader, every problem in one run', () => {
  test('a fleet.yaml that fails the schema still lets every site be checked', () => {
    const config = new ConfigCopy()
      .replace('fleet.yaml', 'version: 88.5.3', 'version: latest')
      .replace('sites/es.yaml', 'end: 2026-09-30', 'end: 2026-07-01');
    const problems = config.problems();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^config\/fleet\.yaml:\d+:\d+: charts\.kubePrometheusStack\.version: /);
    expect(problems[1]).toMatch(
      /^config\/sites\/es\.yaml:\d+:\d+: sites\[0\]\.schedule\.phase2\.end: "2026-07-01" is before phase2\.start "2026-07-06"$/,
    );
  });

  test('broken fleet defaults skip only the checks that need them', () => {
    const config = new ConfigCopy()
      .replace('fleet.yaml', 'nodeOverheadW: 4000', 'nodeOverheadW: lots')
      .replace('sites/es.yaml', 'end: 2026-09-30', 'end: 2026-07-01')
      .replace('sites/lt.yaml', 'budgetMW: 1.0', 'budgetMW: 0.01'); // power needs the defaults: not judged now
    expect(config.problems().map((p) => p.replace(/:\d+:\d+:/, ':'))).toEqual([
      'config/fleet.yaml: defaults.nodeOverheadW: "lots" is not a number',
      'config/sites/es.yaml: sites[0].schedule.phase2.end: "2026-07-01" is before phase2.start "2026-07-06"',
    ]);
  });

  test("a site file with a syntax error does not hide the waves' problems, nor is it reported as missing", () => {
    const config = new ConfigCopy()
      .replace('sites/pl.yaml', 'country: PL', 'country: PL: [')
      .replace('fleet.yaml', 'sites: [lt-vilnius]', 'sites: [lt-vilnus]');
    const problems = config.problems();
    expect(problems.some((p) => /^config\/sites\/pl\.yaml:\d+:\d+: \(yaml\): YAML syntax/.test(p))).toBe(true);
    expect(problems).toContainEqual(
      expect.stringMatching(/^config\/fleet\.yaml:\d+:\d+: waves\[0\]\.sites\[0\]: "lt-vilnus" is not a site of the fleet/),
    );
    expect(problems).toContainEqual(expect.stringMatching(/"lt-vilnius" is in no rollout wave/));
    expect(problems.join('\n')).not.toMatch(/"pl-warsaw" is not a site/);
  });

  test('a site file that fails the schema still lends its ids to the wave check', () => {
    const config = new ConfigCopy().replace('sites/pl.yaml', 'gpusPerNode: 4', 'gpusPerNode: many');
    expect(config.problems()).toEqual([
      expect.stringMatching(/^config\/sites\/pl\.yaml:\d+:\d+: sites\[0\]\.nodePools\[0\]\.gpusPerNode: "many" is not a number$/),
    ]);
  });

  test('a conflict between two files lands on the changed one and names both', () => {
    const config = new ConfigCopy().replace('sites/es.yaml', 'kubeContext: es-barcelona-admin', 'kubeContext: cz-prague-admin');
    expect(problemsWith(config, [])).toEqual([
      expect.stringMatching(
        /^config\/sites\/es\.yaml:\d+:\d+: sites\[0\]\.cluster\.kubeContext: "cz-prague-admin" is already the cluster of site cz-prague \(config\/sites\/cz\.yaml\)/,
      ),
    ]);
    // cz's file is the one the change touched: the conflict lands there, without suggesting its own value.
    expect(problemsWith(config, ['sites/cz.yaml'])).toEqual([
      'config/sites/cz.yaml:13:29: sites[0].cluster.kubeContext: "cz-prague-admin" is already the cluster of site es-barcelona (config/sites/es.yaml); sites es-barcelona and cz-prague would deploy to the same cluster (allowed: a context unique to this site)',
    ]);
    const overlap = new ConfigCopy().replace('sites/es.yaml', 'storage: 10.43.0.0/20', 'storage: 10.10.0.0/20');
    const onCz = problemsWith(overlap, ['sites/cz.yaml']);
    const onEs = problemsWith(overlap, ['sites/es.yaml']);
    expect(onEs).toEqual([
      expect.stringMatching(
        /^config\/sites\/es\.yaml:\d+:\d+: sites\[0\]\.interconnect\.addressPlan\.storage: "10\.10\.0\.0\/20" overlaps cz-prague \w+ \(config\/sites\/cz\.yaml\)/,
      ),
    ]);
    expect(onCz).toEqual([
      expect.stringMatching(
        /^config\/sites\/cz\.yaml:\d+:\d+: sites\[0\]\.interconnect\.addressPlan\.\w+: "10\.10\.0\.0\/\d+" overlaps es-barcelona storage \(config\/sites\/es\.yaml\) "10\.10\.0\.0\/20"/,
      ),
    ]);
  });
});

describe('loader, hints that help', () => {
  test('a .yml file is told to end in .yaml, not to change its country', () => {
    const config = new ConfigCopy();
    execFileSync('mv', [join(config.dir, 'sites', 'es.yaml'), join(config.dir, 'sites', 'es.yml')]);
    expect(config.problems()).toEqual([
      expect.stringMatching(
        /^config\/sites\/es\.yml:3:10: country: "ES" does not match the file name es\.yml \(site files are named <cc>\.yaml in lower case \(rename the file to es\.yaml\)\)$/,
      ),
    ]);
  });

  test('an upper-case file name and a long pasted key', () => {
    const upper = new ConfigCopy();
    execFileSync('mv', [join(upper.dir, 'sites', 'es.yaml'), join(upper.dir, 'sites', 'ES.yaml')]);
    expect(upper.problems()).toEqual([
      expect.stringContaining('(site files are named <cc>.yaml in lower case (rename the file to es.yaml))'),
    ]);
    const key = new ConfigCopy().replace('sites/es.yaml', '    city: Barcelona', `    city: Barcelona\n    ${'k'.repeat(1000)}: 1`);
    const [problem] = key.problems();
    expect(problem.length).toBeLessThan(400);
    expect(problem).toMatch(/^config\/sites\/es\.yaml:7:5: sites\[0\]\["k{50,}…"\]: unknown key "k{50,}…"/);
  });

  test('.inf, decimal commas, a second document and unknown keys in a union', () => {
    const inf = new ConfigCopy().replace('sites/es.yaml', 'pue: 1.15', 'pue: .inf');
    expect(inf.problems()).toEqual(['config/sites/es.yaml:14:35: sites[0].energy.pue: .inf is not a finite number']);
    const flow = new ConfigCopy().replace('sites/es.yaml', 'pue: 1.15', 'pue: 1,15');
    expect(flow.problems()).toEqual([
      'config/sites/es.yaml:14:37: sites[0].energy["15"]: unknown key "15" (a decimal comma? write numbers with a point, e.g. 1.15); allowed keys: budgetMW, pue, gridCarbonGPerKWh',
    ]);
    const block = new ConfigCopy().replace(
      'sites/es.yaml',
      /energy: \{ budgetMW: 6\.5, pue: 1\.15, gridCarbonGPerKWh: 120 \}/,
      'energy:\n      budgetMW: 6.5\n      pue: 1,15\n      gridCarbonGPerKWh: 120',
    );
    expect(block.problems()).toEqual([
      'config/sites/es.yaml:16:12: sites[0].energy.pue: "1,15" is not a number (a decimal comma? write 1.15)',
    ]);
    const twoDocs = new ConfigCopy();
    twoDocs.write('sites/es.yaml', `${twoDocs.read('sites/es.yaml')}---\nextra: 1\n`);
    expect(twoDocs.problems()).toEqual([
      expect.stringMatching(
        /^config\/sites\/es\.yaml:\d+:1: \(yaml\): a config file holds one YAML document; remove the "---" that starts a second one$/,
      ),
    ]);
    const backend = new ConfigCopy().replace('fleet.yaml', '  directory: terraform-state\n', '  directory: terraform-state\n  bucket: x\n');
    expect(backend.problems()).toEqual([expect.stringMatching(/backend\.bucket: unknown key "bucket"; allowed keys: type, directory$/)]);
  });

  test('a misaligned block is reported as misaligned, not as overlapping its neighbours', () => {
    const config = new ConfigCopy().replace('sites/es.yaml', 'pods: 10.41.0.0/16', 'pods: 10.41.0.1/8');
    expect(config.problems()).toEqual([
      expect.stringMatching(/addressPlan\.pods: "10\.41\.0\.1\/8" has host bits set \(did you mean "10\.0\.0\.0\/8"\?\)$/),
    ]);
  });

  test('echoed values are shortened', () => {
    const config = new ConfigCopy().replace('sites/es.yaml', 'fabric: infiniband', `fabric: ${'x'.repeat(500)}`);
    const [problem] = config.problems();
    expect(problem).toMatch(/fabric: "x{70,}…" is not allowed/);
    expect(problem.length).toBeLessThan(200);
  });
});

describe('loader, files that are not regular files', () => {
  test.each([
    ['a directory', (path: string) => mkdirSync(path), 'is a directory (allowed: a regular YAML file)'],
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), 'is a special file (allowed: a regular YAML file)'],
    [
      'a link to /dev/zero',
      (path: string) => symlinkSync('/dev/zero', path),
      'is a symbolic link (allowed: a regular file in the config folder)',
    ],
    [
      'a link to another file',
      (path: string) => symlinkSync('/etc/passwd', path),
      'is a symbolic link (allowed: a regular file in the config folder)',
    ],
  ])('rejects %s before reading it', (_name, make, message) => {
    const config = new ConfigCopy();
    const path = join(config.dir, 'sites', 'xx.yaml');
    make(path);
    expect(config.problems()).toContainEqual(`config/sites/xx.yaml:1:1: (file): ${message}`);
    rmSync(path, { recursive: true, force: true });
  });
});

describe('loader, values that can never work', () => {
  test('acceptance thresholds above what the fabric carries, on the file that sets them', () => {
    const site = new ConfigCopy().replace('sites/es.yaml', 'ncclBusBwGBps: 350', 'ncclBusBwGBps: 500');
    expect(site.problems()).toEqual([
      'config/sites/es.yaml:58:22: sites[0].acceptance.ncclBusBwGBps: 500 GB/s is above what 8 rails of 400 Gb/s carry between nodes (400 GB/s; allowed: below, e.g. 320)',
    ]);
    const fleet = new ConfigCopy().replace('fleet.yaml', 'rdmaLinkGbps: 360', 'rdmaLinkGbps: 500');
    const problems = fleet.problems();
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems)
      expect(p).toMatch(
        /^config\/fleet\.yaml:\d+:\d+: acceptance\.rdmaLinkGbps: 500 Gb\/s can never be measured on \d+ Gb\/s links .* at site [a-z]+-[a-z]+ \(config\/sites\/\w+\.yaml\); set a lower value there or here$/,
      );
    expect(new ConfigCopy().replace('fleet.yaml', 'rdmaLinkGbps: 360', 'rdmaLinkGbps: 5000').problems()).toEqual([
      expect.stringMatching(/acceptance\.rdmaLinkGbps: 5000 is above the maximum 1600$/),
    ]);
  });

  test('an inherited threshold made impossible by a site change lands on the changed site', () => {
    const config = new ConfigCopy().replace('sites/cz.yaml', 'linkGbps: 400', 'linkGbps: 200');
    const problems = problemsWith(config, ['sites/cz.yaml']);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^config\/sites\/cz\.yaml:\d+:\d+: sites\[0\]\.interconnect\.linkGbps: acceptance\.rdmaLinkGbps \(from fleet\.yaml\): 360 Gb\/s can never be measured on 200 Gb\/s links .*; set a lower acceptance\.rdmaLinkGbps for this site$/,
      ),
    );
    expect(problems.every((p) => !p.startsWith('config/fleet.yaml'))).toBe(true);
  });

  test('programme quotas must leave the weekly health checks their nodes', () => {
    // Prague: 640 GPUs; the checks keep two H200 nodes (16 GPUs); its MIG pool is checked whole in Phase 1 only.
    const config = new ConfigCopy().replace('sites/cz.yaml', 'academic: { gpus: 320', 'academic: { gpus: 330');
    expect(config.problems().map((p) => p.replace(/:\d+:\d+:/, ':'))).toEqual([
      "config/sites/cz.yaml: sites[0].programmes: quotas add up to 626 GPUs; with the 16 GPUs the weekly health checks keep (one node per pool, two on the rails) at most 624 of the site's 640 are left",
    ]);
  });

  test('absurd rates and capacities', () => {
    const config = new ConfigCopy()
      .replace('fleet.yaml', 'storageReadGBps: 20', 'storageReadGBps: 1e12')
      .replace('sites/es.yaml', 'scratchTB: 1500', 'scratchTB: 1e12');
    expect(config.problems().map((p) => p.replace(/:\d+:\d+:/, ':'))).toEqual([
      'config/fleet.yaml: acceptance.storageReadGBps: 1000000000000 is above the maximum 10000',
      'config/sites/es.yaml: sites[0].storage.tiers.scratchTB: 1000000000000 is above the maximum 1000000',
    ]);
  });

  test("public, tiny or oversized blocks and endpoints inside the site's own networks", () => {
    const config = new ConfigCopy()
      .replace('sites/es.yaml', 'pods: 10.41.0.0/16', 'pods: 8.8.0.0/16')
      .replace('sites/es.yaml', 'services: 10.42.0.0/20', 'services: 10.42.0.0/32')
      .replace('sites/es.yaml', 'storage: 10.43.0.0/20', 'storage: 127.0.0.0/20')
      .replace('sites/es.yaml', 'endpoint: 192.0.2.10', 'endpoint: 10.40.0.9');
    expect(config.problems().map((p) => p.replace(/:\d+:\d+:/, ':'))).toEqual([
      'config/sites/es.yaml: sites[0].interconnect.addressPlan.pods: "8.8.0.0/16" is not a private range (allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)',
      'config/sites/es.yaml: sites[0].interconnect.addressPlan.services: "10.42.0.0/32" is too small for services (allowed: /24 or larger)',
      'config/sites/es.yaml: sites[0].interconnect.addressPlan.storage: "127.0.0.0/20" is not a private range (allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)',
      'config/sites/es.yaml: sites[0].interconnect.uplinks[0].endpoint: 10.40.0.9 is inside this site\'s own rails block "10.40.0.0/16" (allowed: the peer\'s address across the WAN link)',
    ]);
  });

  test('duplicate wave names and YAML tags', () => {
    const waves = new ConfigCopy().replace('fleet.yaml', 'name: wave-2', 'name: wave-1');
    expect(waves.problems()).toEqual([
      expect.stringMatching(
        /^config\/fleet\.yaml:\d+:\d+: waves\[2\]\.name: "wave-1" is already the name of wave 2 \(wave names are unique\)$/,
      ),
    ]);
    const tagged = new ConfigCopy().replace('sites/es.yaml', 'city: Barcelona', 'city: !custom Barcelona');
    expect(tagged.problems()).toEqual([
      'config/sites/es.yaml:6:19: (yaml): YAML tag !custom is not allowed: config is plain YAML (mappings, lists, strings, numbers, booleans); remove the tag',
    ]);
  });
});
