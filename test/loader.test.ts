import { join } from 'node:path';
import { loadFleet } from '../config';
import { MAX_CONFIG_BYTES } from '../config/source';
import { FIXTURE_CONFIG_DIR, ConfigCopy } from './util';

describe('loader', () => {
  test('loads the six sites of the fixture fleet', () => {
    const result = loadFleet(FIXTURE_CONFIG_DIR);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.fleet.sites.map((s) => s.id).sort()).toEqual([
      'cz-prague',
      'es-barcelona',
      'lt-vilnius',
      'nl-amsterdam',
      'pl-warsaw',
      'ro-bucharest',
    ]);
  });

  test('applies fleet defaults and resolves catalogue ids', () => {
    const result = loadFleet(FIXTURE_CONFIG_DIR);
    if (!result.ok) throw new Error('config invalid');
    const cz = result.fleet.sites.find((s) => s.id === 'cz-prague')!;
    expect(cz.gpuDriverVersion).toBe('595.91.07');
    expect(cz.nodePools[0].gpu.bf16DenseTflops).toBe(989);
    expect(cz.nodePools[0].nic.id).toBe('ConnectX-7-400G');
    expect(cz.nodePools[0].nodeOverheadW).toBe(4000);
    expect(cz.acceptance).toMatchObject({
      ncclBusBwGBps: 320,
      dcgmDiagLevel: 3,
      signOff: { date: '2026-05-12' },
    });
    const es = result.fleet.sites.find((s) => s.id === 'es-barcelona')!;
    expect(es.acceptance.ncclBusBwGBps).toBe(350);
  });

  test('fails when the folder has no fleet.yaml', () => {
    expect(new ConfigCopy().remove('fleet.yaml').problems()).toMatchInlineSnapshot(`
      [
        "config/fleet.yaml:1:1: (file): file not found",
      ]
    `);
  });

  test('fails on YAML syntax errors', () => {
    const config = new ConfigCopy().replace('sites/es.yaml', 'focus: [large-scale-inference]', 'focus: [large-scale-inference');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/es.yaml:9:5: (yaml): YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
        "config/sites/es.yaml:9:12: (yaml): YAML syntax: Nested mappings are not allowed in compact mappings",
        "config/sites/es.yaml:9:12: (yaml): YAML syntax: Implicit keys need to be on a single line",
      ]
    `);
  });

  test('fails on duplicate keys in a mapping', () => {
    const config = new ConfigCopy().replace('sites/ro.yaml', '    city: Bucharest\n', '    city: Bucharest\n    city: Bucuresti\n');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/ro.yaml:7:5: (yaml): YAML syntax: Map keys must be unique",
      ]
    `);
  });

  test('fails on wrong types, naming the bad value', () => {
    const config = new ConfigCopy()
      .replace('sites/es.yaml', 'gpusPerNode: 4', 'gpusPerNode: four')
      .replace('sites/es.yaml', 'budgetMW: 6.5', 'budgetMW: true')
      .replace('sites/lt.yaml', 'focus: [embedded-ai, fintech, cleantech]', 'focus: embedded-ai');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/es.yaml:14:25: sites[0].energy.budgetMW: true is not a number",
        "config/sites/es.yaml:25:22: sites[0].nodePools[1].gpusPerNode: "four" is not a number",
        "config/sites/lt.yaml:8:12: sites[0].focus: "embedded-ai" is not a list",
      ]
    `);
  });

  test('fails on unknown keys, suggesting the likely one', () => {
    const config = new ConfigCopy()
      .replace('sites/es.yaml', '        nodes: 96', '        nodez: 96')
      .replace('fleet.yaml', 'nodeOverheadW: 4000', 'nodeOverheadWatts: 4000');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/fleet.yaml:77:3: defaults.nodeOverheadW: required key is missing (expected a number)",
        "config/fleet.yaml:78:3: defaults.nodeOverheadWatts: unknown key "nodeOverheadWatts" (did you mean "nodeOverheadW"?); allowed keys: gpuDriverVersion, nodeOverheadW, nic, nodeReserved",
        "config/sites/es.yaml:16:9: sites[0].nodePools[0].nodes: required key is missing (expected a number)",
        "config/sites/es.yaml:19:9: sites[0].nodePools[0].nodez: unknown key "nodez" (did you mean "nodes"?); allowed keys: name, system, gpu, gpusPerNode, nodes, nicsPerNode, nic, nodeOverheadW, cpusPerNode, memoryGiBPerNode, nodeNamePrefix, racks, rails, mig",
      ]
    `);
  });

  test('fails on out-of-range numbers and values outside a closed set', () => {
    const config = new ConfigCopy()
      .replace('sites/cz.yaml', 'pue: 1.25', 'pue: 0.9')
      .replace('sites/cz.yaml', 'gpusPerNode: 8', 'gpusPerNode: 64')
      .replace('sites/cz.yaml', 'fabric: infiniband', 'fabric: ethernet')
      .replace('sites/cz.yaml', 'gpu: H100-SXM-80GB', 'gpu: H100-PCIE');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/cz.yaml:14:35: sites[0].energy.pue: 0.9 is below the minimum 1",
        "config/sites/cz.yaml:18:22: sites[0].nodePools[0].gpusPerNode: 64 is above the maximum 16",
        "config/sites/cz.yaml:24:14: sites[0].nodePools[1].gpu: "H100-PCIE" is not allowed (allowed: "H100-SXM-80GB", "H200-SXM-141GB", "B200-SXM-180GB", "GB200-NVL72", "MI300X", "L40S")",
        "config/sites/cz.yaml:33:15: sites[0].interconnect.fabric: "ethernet" is not allowed (allowed: "infiniband", "roce")",
      ]
    `);
  });

  test('fails on names that are not DNS-1123 labels', () => {
    const config = new ConfigCopy()
      .replace('sites/nl.yaml', 'name: uva-ivi', 'name: UvA_IvI')
      .replace('sites/nl.yaml', 'id: nl-amsterdam', 'id: nl-amsterdam-');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/fleet.yaml:94:24: waves[1].sites[1]: "nl-amsterdam" is not a site of the fleet (allowed: cz-prague, es-barcelona, lt-vilnius, nl-amsterdam-, pl-warsaw, ro-bucharest)",
        "config/sites/nl.yaml:5:9: sites[0].id: "nl-amsterdam-" is not a DNS-1123 label (allowed: lower-case letters, digits and '-', starting and ending with a letter or digit)",
        "config/sites/nl.yaml:51:17: sites[0].tenants[0].name: "UvA_IvI" is not a DNS-1123 label (allowed: lower-case letters, digits and '-', starting and ending with a letter or digit)",
      ]
    `);
  });

  test('fails on a site id defined twice across files', () => {
    const config = new ConfigCopy().replace('sites/ro.yaml', 'id: ro-bucharest', 'id: es-barcelona');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/fleet.yaml:96:24: waves[2].sites[1]: "ro-bucharest" is not a site of the fleet (allowed: cz-prague, es-barcelona, lt-vilnius, nl-amsterdam, pl-warsaw)",
        "config/sites/ro.yaml:5:9: sites[0].id: "es-barcelona" does not start with the country code (allowed: ro-<city>)",
        "config/sites/ro.yaml:5:9: sites[0].id: "es-barcelona" is already defined in config/sites/es.yaml (site ids are unique across the fleet)",
      ]
    `);
  });

  test('fails when two sites name the same cluster or two uplinks the same endpoint', () => {
    const config = new ConfigCopy()
      .replace('sites/ro.yaml', 'kubeContext: ro-bucharest-admin', 'kubeContext: es-barcelona-admin')
      .replace('sites/lt.yaml', 'endpoint: 198.51.100.10', 'endpoint: 192.0.2.10')
      .replace('sites/cz.yaml', 'endpoint: 192.0.2.21', 'endpoint: 192.0.2.20');
    expect(config.problems()).toEqual([
      'config/sites/cz.yaml:39:60: sites[0].interconnect.uplinks[1].endpoint: 192.0.2.20 is already the endpoint of uplink cesnet of this site (allowed: one test endpoint per uplink)',
      'config/sites/lt.yaml:35:62: sites[0].interconnect.uplinks[0].endpoint: 192.0.2.10 is already the endpoint of uplink rediris of site es-barcelona (config/sites/es.yaml) (allowed: one test endpoint per uplink)',
      'config/sites/ro.yaml:13:29: sites[0].cluster.kubeContext: "es-barcelona-admin" is already the cluster of site es-barcelona (config/sites/es.yaml); sites es-barcelona and ro-bucharest would deploy to the same cluster (allowed: a context unique to this site, e.g. ro-bucharest-admin)',
    ]);
  });

  test('fails when local state would live inside the synth output', () => {
    const config = new ConfigCopy().replace('fleet.yaml', 'directory: terraform-state', 'directory: ./cdktf.out/state');
    expect(config.problems()).toEqual([
      expect.stringMatching(
        /^config\/fleet\.yaml:\d+:\d+: backend\.directory: .*is inside the synth output, which every synth regenerates \(allowed: a folder outside cdktf\.out, e\.g\. terraform-state\)$/,
      ),
    ]);
  });

  test('fails when a file does not match its country', () => {
    const config = new ConfigCopy().replace('sites/ro.yaml', 'country: RO', 'country: PL');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/ro.yaml:3:10: country: "PL" does not match the file name ro.yaml (allowed: RO, or rename the file to pl.yaml)",
        "config/sites/ro.yaml:5:9: sites[0].id: "ro-bucharest" does not start with the country code (allowed: pl-<city>)",
      ]
    `);
  });

  test('fails on address plans overlapping across the fleet', () => {
    const config = new ConfigCopy().replace('sites/lt.yaml', 'rails: 10.20.0.0/16', 'rails: 10.40.0.0/15');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/es.yaml:35:29: sites[0].interconnect.addressPlan.rails: "10.40.0.0/16" overlaps lt-vilnius rails (config/sites/lt.yaml) "10.40.0.0/15"; every block must be unique across the fleet",
        "config/sites/es.yaml:35:49: sites[0].interconnect.addressPlan.pods: "10.41.0.0/16" overlaps lt-vilnius rails (config/sites/lt.yaml) "10.40.0.0/15"; every block must be unique across the fleet",
      ]
    `);
  });

  test('fails on address plans overlapping within a site, and on misaligned blocks', () => {
    const config = new ConfigCopy()
      .replace('sites/pl.yaml', 'services: 10.52.0.0/20', 'services: 10.51.128.0/20')
      .replace('sites/pl.yaml', 'storage: 10.52.16.0/20', 'storage: 10.52.16.1/20');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/pl.yaml:38:73: sites[0].interconnect.addressPlan.services: "10.51.128.0/20" overlaps this site's pods "10.51.0.0/16"; every block must be unique across the fleet",
        "config/sites/pl.yaml:38:98: sites[0].interconnect.addressPlan.storage: "10.52.16.1/20" has host bits set (did you mean "10.52.16.0/20"?)",
      ]
    `);
  });

  test('fails when the hardware exceeds the power budget', () => {
    const config = new ConfigCopy().replace('sites/nl.yaml', 'budgetMW: 1.5', 'budgetMW: 0.5');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/nl.yaml:14:25: sites[0].energy.budgetMW: 0.5 MW is exceeded by the hardware: 0.84 MW (IT 0.73 MW x PUE 1.15; GPUs at TDP plus per-node overhead); raise budgetMW or shrink the node pools",
      ]
    `);
  });

  test('fails when quotas exceed capacity', () => {
    const config = new ConfigCopy()
      .replace('sites/ro.yaml', 'academic: { gpus: 160 }', 'academic: { gpus: 400 }')
      .replace(
        'sites/lt.yaml',
        '{ name: sme-call-2026-01, programme: sme, group: sme-0001-users, gpus: 16 }',
        '{ name: sme-call-2026-01, programme: sme, group: sme-0001-users, gpus: 65 }',
      );
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/lt.yaml:51:80: sites[0].tenants[3].gpus: 65 brings the sme tenants to 65 GPUs, over the programme quota of 64",
        "config/sites/ro.yaml:44:7: sites[0].programmes: quotas add up to 624 GPUs (academic 400, industrial 160, sme 64), more than the site's 448 GPUs",
      ]
    `);
  });

  test('fails on MIG profiles the GPU does not support', () => {
    const config = new ConfigCopy()
      .replace('sites/cz.yaml', 'profiles: { 3g.40gb: 1, 2g.20gb: 1, 1g.10gb: 2 }', 'profiles: { 3g.71gb: 1, 2g.20gb: 1, 1g.10gb: 4 }')
      .replace(
        'sites/lt.yaml',
        '        nodeOverheadW: 1500\n',
        '        nodeOverheadW: 1500\n        mig: { strategy: single, profiles: { 1g.12gb: 4 } }\n',
      );
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/cz.yaml:31:21: sites[0].nodePools[1].mig.profiles: layout takes 9 compute slices, a GPU has 7",
        "config/sites/cz.yaml:31:21: sites[0].nodePools[1].mig.profiles: layout takes 13 memory slices (eighths of the 80 GB), a GPU has 8",
        "config/sites/cz.yaml:31:32: sites[0].nodePools[1].mig.profiles["3g.71gb"]: "3g.71gb" is not a MIG profile of H100-SXM-80GB (allowed: 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb)",
        "config/sites/lt.yaml:28:26: sites[0].nodePools[1].mig.strategy: "single" needs MIG, which L40S does not have (allowed: none)",
      ]
    `);
  });

  test('fails on a phase 2 site without a Phase 1 sign-off', () => {
    const config = new ConfigCopy().replace('sites/lt.yaml', / {4}acceptance:\n {6}signOff: .*\n/, '');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/lt.yaml:9:12: sites[0].phase: 2 needs a signed-off Phase 1 acceptance: add acceptance.signOff { date, report } with the results reference, or keep phase: 1",
      ]
    `);
  });

  test('fails on phase dates out of order', () => {
    const config = new ConfigCopy().replace('sites/cz.yaml', 'phase2: { start: 2026-07-01', 'phase2: { start: 2026-03-01');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/cz.yaml:12:24: sites[0].schedule.phase2.start: "2026-03-01" is before phase1.end "2026-03-31" (Phase 2 starts after Phase 1 ends)",
        "config/sites/cz.yaml:58:24: sites[0].acceptance.signOff.date: "2026-05-12" is outside Phase 1 acceptance (allowed: from phase1.start "2026-01-19" to phase2.start "2026-03-01")",
      ]
    `);
  });

  test('fails on references to things that do not exist', () => {
    const config = new ConfigCopy()
      .replace(
        'sites/es.yaml',
        'inference: { enabled: true, pool: l40s, runtime: vllm }',
        'inference: { enabled: true, pool: l40, runtime: vllm }',
      )
      .replace('fleet.yaml', 'sites: [pl-warsaw, ro-bucharest]', 'sites: [pl-warsaw, ro-bucarest]');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/fleet.yaml:90:1: waves: "ro-bucharest" is in no rollout wave (add each site to one wave)",
        "config/fleet.yaml:96:24: waves[2].sites[1]: "ro-bucarest" is not a site of the fleet (allowed: cz-prague, es-barcelona, lt-vilnius, nl-amsterdam, pl-warsaw, ro-bucharest)",
        "config/sites/es.yaml:62:41: sites[0].services.inference.pool: "l40" is not a node pool of es-barcelona (allowed: h200, l40s)",
      ]
    `);
  });

  test('fails on an unknown storage backend and on names too long for the checks built from them', () => {
    const config = new ConfigCopy()
      .replace('sites/ro.yaml', 'backend: rook-ceph', 'backend: lustre')
      .replace('sites/ro.yaml', 'name: l40s', 'name: l40s-inference-serving-pool-2026');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/ro.yaml:22:15: sites[0].nodePools[1].name: "l40s-inference-serving-pool-2026" is longer than 30 characters",
        "config/sites/ro.yaml:37:16: sites[0].storage.backend: "lustre" is not allowed (allowed: "rook-ceph", "external")",
      ]
    `);
  });

  test('fails on unpinned chart versions', () => {
    const config = new ConfigCopy().replace('fleet.yaml', 'version: 0.19.2', 'version: latest');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/fleet.yaml:36:14: charts.kueue.version: "latest" is not a pinned chart version (allowed: an exact version such as 1.2.3 or v1.2.3; no ranges, no "latest")",
      ]
    `);
  });

  test('fails on YAML alias bombs without expanding them', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      bomb.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const config = new ConfigCopy().write('sites/es.yaml', `${new ConfigCopy().read('sites/es.yaml')}\n${bomb.join('\n')}\n`);
    const started = Date.now();
    const problems = config.problems();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(problems).toMatchInlineSnapshot(`
      [
        "config/sites/es.yaml:65:8: (yaml): YAML aliases expand beyond 100 nodes (an alias bomb); write the values out instead",
      ]
    `);
  });

  test('fails on oversized files without parsing them', () => {
    const config = new ConfigCopy().write('sites/es.yaml', `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/es.yaml:1:1: (file): file is 262147 bytes, over the limit of 262144 bytes for a config file",
      ]
    `);
  });

  test('reports every problem of every file in one run', () => {
    const config = new ConfigCopy()
      .replace('sites/es.yaml', 'runtime: vllm', 'runtime: triton')
      .replace('sites/pl.yaml', 'gridCarbonGPerKWh: 650', 'gridCarbonGPerKWh: -1')
      .replace('fleet.yaml', 'dcgmDiagLevel: 3', 'dcgmDiagLevel: 9');
    const files = config.problems().map((line) => line.split(':')[0]);
    expect(new Set(files)).toEqual(new Set(['config/fleet.yaml', 'config/sites/es.yaml', 'config/sites/pl.yaml']));
  });

  test('reads another folder through the path it is given', () => {
    const config = new ConfigCopy();
    const result = loadFleet(config.dir);
    expect(result.ok).toBe(true);
    expect(loadFleet(join(config.dir, 'missing')).ok).toBe(false);
  });
});
