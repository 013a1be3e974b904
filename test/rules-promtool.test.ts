/**
 * The synthesized alert and accounting rules, evaluated by Prometheus' own `promtool test rules`
 * (Debian's promtool 2.42): series in, recorded values and fired alerts out. A site with a
 * whole-GPU pool and a MIG pool: one GPU held by a tenant, one idle, and a MIG GPU whose seven
 * instances repeat its power and energy, four of them held by another tenant.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import { stringify } from 'yaml';
import { buildFleet } from '../stacks/fleet';
import { ledgerQuery } from '../tools/private/ledger';
import { synthesizedSite } from './site-model';
import { fleet, tempDir } from './util';

jest.setTimeout(60_000);

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is read as plain data.
type Obj = Record<string, any>;

const stacks = buildFleet(Testing.app(), fleet());
/** The alert and accounting rule groups the platform stack of a site holds. */
const rulesOf = (id: string): Obj[] =>
  Object.values(synthesizedSite(stacks.find((s) => s.site.id === id)!).platform.resource.kubernetes_manifest as Obj)
    .map((r: Obj) => r.manifest)
    .filter((m) => m.kind === 'PrometheusRule')
    .flatMap((m) => m.spec.groups);

// A site whose MIG pool cuts every GPU into seven 1g instances.
const SITE = 'nl-amsterdam';
const site = fleet().sites.find((s) => s.id === SITE)!;

const whole = site.nodePools.find((p) => p.mig.strategy === 'none')!;
const mig = site.nodePools.find((p) => p.mig.strategy !== 'none')!;
const { pue, gridCarbonGPerKWh } = site.energy;
const share = (pool: typeof whole) => pool.nodeOverheadW / pool.gpusPerNode;

/** Writes the site's rules and the test file, runs promtool; returns its exit status and output. */
function promtool(tests: Obj[], siteId = SITE): { status: number | null; output: string } {
  const dir = tempDir('promtool-');
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rulesOf(siteId) }));
  writeFileSync(join(dir, 'test.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const run = spawnSync('promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const held = (ns: string) => `exported_namespace="${ns}",exported_pod="${ns}-worker-0",exported_container="main"`;
const exporter = 'namespace="gpu-operator",pod="nvidia-dcgm-exporter-x",job="nvidia-dcgm-exporter"';
/** Series of one GPU (or MIG instance): power in W and an energy counter growing at that power. */
function gpu(labels: string, watts: number): Obj[] {
  return [
    { series: `DCGM_FI_DEV_POWER_USAGE{${labels}}`, values: `${watts}x120` },
    // mJ since the driver loaded, one sample a minute.
    { series: `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${labels}}`, values: `1000000+${watts * 60 * 1000}x120` },
    { series: `DCGM_FI_DEV_GPU_TEMP{${labels}}`, values: '60x120' },
  ];
}

const input = [
  { series: `kube_node_labels{node="n1",label_ai_factory_eu_pool="${whole.name}"}`, values: '1x120' },
  { series: `kube_node_labels{node="n2",label_ai_factory_eu_pool="${mig.name}"}`, values: '1x120' },
  { series: 'kube_namespace_labels{namespace="t1",label_ai_factory_eu_programme="academic"}', values: '1x120' },
  { series: 'kube_namespace_labels{namespace="t2",label_ai_factory_eu_programme="sme"}', values: '1x120' },
  { series: 'kube_namespace_labels{namespace="gpu-operator",label_ai_factory_eu_programme=""}', values: '1x120' },
  // n1: GPU G1 held by t1 at 500 W, GPU G2 idle at 100 W (the exporter's own namespace and pod on it).
  ...gpu(`Hostname="n1",UUID="G1",gpu="0",${exporter},${held('t1')}`, 500),
  ...gpu(`Hostname="n1",UUID="G2",gpu="1",${exporter}`, 100),
  // n2: GPU G3 in seven MIG instances, each repeating the GPU's 400 W; four held by t2.
  ...Array.from({ length: 7 }, (_, i) =>
    gpu(`Hostname="n2",UUID="G3",gpu="0",GPU_I_ID="${i + 7}",GPU_I_PROFILE="1g.23gb",${exporter}${i < 4 ? `,${held('t2')}` : ''}`, 400),
  ).flat(),
];

const sample = (labels: string, value: number) => ({ labels, value });

test('accounting counts each physical GPU once, charges only held GPUs, adds node overhead and PUE', () => {
  const t1Watts = 500 + share(whole);
  const t2Watts = (4 / 7) * (400 + share(mig));
  const siteWatts = 500 + 100 + 400 + 2 * share(whole) + share(mig);
  const run = promtool([
    {
      interval: '1m',
      input_series: input,
      promql_expr_test: [
        {
          expr: 'gpu:dcgm_power_watts:max{UUID="G3"}',
          eval_time: '10m',
          exp_samples: [sample('gpu:dcgm_power_watts:max{Hostname="n2",UUID="G3"}', 400)],
        },
        { expr: 'site:gpus:count', eval_time: '10m', exp_samples: [sample('site:gpus:count', 3)] },
        {
          expr: 'tenant:gpus_allocated:sum',
          eval_time: '10m',
          exp_samples: [
            sample('tenant:gpus_allocated:sum{namespace="t1",programme="academic"}', 1),
            sample('tenant:gpus_allocated:sum{namespace="t2",programme="sme"}', 4 / 7),
          ],
        },
        // The idle GPU and the idle MIG instances are charged to nobody.
        { expr: 'site:gpus_allocated:sum', eval_time: '10m', exp_samples: [sample('site:gpus_allocated:sum', 1 + 4 / 7)] },
        {
          expr: 'tenant:facility_power_watts:sum',
          eval_time: '10m',
          exp_samples: [
            sample('tenant:facility_power_watts:sum{namespace="t1",programme="academic"}', t1Watts * pue),
            sample('tenant:facility_power_watts:sum{namespace="t2",programme="sme"}', t2Watts * pue),
          ],
        },
        {
          expr: 'tenant:carbon_grams_per_hour:sum{namespace="t1"}',
          eval_time: '10m',
          exp_samples: [
            sample('tenant:carbon_grams_per_hour:sum{namespace="t1",programme="academic"}', ((t1Watts * pue) / 1000) * gridCarbonGPerKWh),
          ],
        },
        { expr: 'site:it_power_watts:sum', eval_time: '10m', exp_samples: [sample('site:it_power_watts:sum', siteWatts)] },
        {
          expr: 'site:facility_power_watts:sum',
          eval_time: '10m',
          exp_samples: [sample('site:facility_power_watts:sum', siteWatts * pue)],
        },
        // GPU energy of the last hour from the counters: 1000 W of GPUs for an hour, the MIG GPU once.
        {
          expr: 'site:gpu_energy_joules:increase1h',
          eval_time: '90m',
          exp_samples: [sample('site:gpu_energy_joules:increase1h', (500 + 100 + 400) * 3600)],
        },
        // A month's ledger entry is the per-minute series integrated once: here 60 minutes of t1.
        // promtool 2.42 closes ranges at both ends (Prometheus 3, which the chart runs, opens the
        // left one), so 59m holds the 60 samples here that 60m holds on the cluster.
        {
          expr: 'sum_over_time(tenant:gpus_allocated:sum{namespace="t1"}[59m]) / 60',
          eval_time: '90m',
          exp_samples: [sample('{namespace="t1",programme="academic"}', 1)],
        },
      ],
    },
  ]);
  expect(run.output).toMatch(/SUCCESS/);
  expect(run.status).toBe(0);
});

test('the ledger query integrates each tenant once over the period: GPU-hours, kWh and kg CO2e', () => {
  // One hour of the series above (59m: promtool's closed range, see above).
  const t1Kwh = ((500 + share(whole)) * pue) / 1000;
  const t2Kwh = ((4 / 7) * (400 + share(mig)) * pue) / 1000;
  const rows = (ns: string, programme: string, hours: number, kwh: number) => [
    sample(`{measure="gpu_hours",namespace="${ns}",programme="${programme}"}`, hours),
    sample(`{measure="energy_kwh",namespace="${ns}",programme="${programme}"}`, kwh),
    sample(`{measure="co2e_kg",namespace="${ns}",programme="${programme}"}`, (kwh * gridCarbonGPerKWh) / 1000),
  ];
  const run = promtool([
    {
      interval: '1m',
      input_series: input,
      promql_expr_test: [
        {
          expr: ledgerQuery('59m'),
          eval_time: '90m',
          exp_samples: [sample('{measure="sampled_minutes"}', 60), ...rows('t1', 'academic', 1, t1Kwh), ...rows('t2', 'sme', 4 / 7, t2Kwh)],
        },
      ],
    },
  ]);
  expect(run.output).toMatch(/SUCCESS/);
  expect(run.status).toBe(0);
});

test('a GPU that disappears, a node that reports none, an XID and a double-bit ECC error fire their alerts with what they measure', () => {
  const rest = whole.gpusPerNode - 1;
  const dropped = (node: string, reported: number) => ({
    exp_labels: { severity: 'critical', Hostname: node },
    exp_annotations: {
      summary: `A node of pool ${whole.name} reports fewer than its ${whole.gpusPerNode} GPUs`,
      description: `${node} (pool ${whole.name}) reports ${reported} of its ${whole.gpusPerNode} GPUs for 10 minutes: a GPU fell off the bus or its driver lost it. Drain the node and check dmesg for XID 79.`,
    },
  });
  // As the exporter writes them: one series per XID (err_code), and the per-window count by xid.
  const xid = 'Hostname="n1",UUID="G0",gpu="0"';
  const run = promtool([
    {
      interval: '1m',
      input_series: [
        { series: `kube_node_labels{node="n1",label_ai_factory_eu_pool="${whole.name}"}`, values: '1x60' },
        // n3 is in the pool but its exporter reports nothing at all.
        { series: `kube_node_labels{node="n3",label_ai_factory_eu_pool="${whole.name}"}`, values: '1x60' },
        // n1 reports every GPU for 10 minutes, then one of them is gone (XID 79).
        ...Array.from({ length: whole.gpusPerNode }, (_, i) => ({
          series: `DCGM_FI_DEV_GPU_TEMP{Hostname="n1",UUID="G${i}",gpu="${i}"}`,
          values: i === 0 ? '60x10 _x50' : '60x60',
        })),
        { series: `DCGM_FI_DEV_XID_ERRORS{${xid},err_code="79",err_msg="GPU has fallen off the bus"}`, values: '_x5 79x55' },
        { series: `DCGM_FI_DEV_XID_ERRORS{${xid},err_code="48",err_msg="DBE"}`, values: '48x1 _x58' },
        { series: `DCGM_EXP_XID_ERRORS_COUNT{${xid},xid="79"}`, values: '0x5 1x5 0x50' },
        { series: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{Hostname="n1",UUID="G1",gpu="1"}', values: '0x5 2x55' },
      ],
      alert_rule_test: [
        { eval_time: '30m', alertname: 'GpuCountDropped', exp_alerts: [dropped('n1', rest), dropped('n3', 0)] },
        {
          eval_time: '8m',
          alertname: 'GpuXidError',
          exp_alerts: [
            {
              exp_labels: { severity: 'warning', Hostname: 'n1', UUID: 'G0', gpu: '0', xid: '79' },
              exp_annotations: {
                summary: 'GPU reported an XID error',
                description: 'GPU 0 on n1 reported XID 79 1 time(s) in the last window.',
              },
            },
          ],
        },
        // XID 79 pages once, as GpuFellOffBus, not also as a fatal XID.
        { eval_time: '8m', alertname: 'GpuFatalXid', exp_alerts: [] },
        {
          eval_time: '8m',
          alertname: 'GpuFellOffBus',
          exp_alerts: [
            {
              exp_labels: {
                severity: 'critical',
                Hostname: 'n1',
                UUID: 'G0',
                gpu: '0',
                err_code: '79',
                err_msg: 'GPU has fallen off the bus',
              },
              exp_annotations: {
                summary: 'GPU has fallen off the PCIe bus',
                description: 'GPU 0 on n1 is no longer reachable (XID 79). Drain the node and open a hardware case.',
              },
            },
          ],
        },
        {
          eval_time: '8m',
          alertname: 'GpuDoubleBitEccErrors',
          exp_alerts: [
            {
              exp_labels: { severity: 'critical', Hostname: 'n1', UUID: 'G1', gpu: '1' },
              exp_annotations: {
                summary: 'GPU memory has uncorrectable ECC errors',
                description: 'GPU 1 on n1 reported 2 double-bit ECC errors in 10 minutes.',
              },
            },
          ],
        },
      ],
    },
  ]);
  expect(run.output).toMatch(/SUCCESS/);
  expect(run.status).toBe(0);
});

test('mixed MIG layouts: each instance counts as its compute slices over seven', () => {
  // cz-prague cuts each GPU of its MIG pool into 3g + 2g + 1g + 1g.
  const cz = fleet().sites.find((s) => s.id === 'cz-prague')!;
  const pool = cz.nodePools.find((p) => p.mig.strategy !== 'none')!;
  expect(Object.keys(pool.mig.profiles ?? {}).sort()).toEqual(['1g.10gb', '2g.20gb', '3g.40gb']);
  const instance = (id: number, profile: string, ns?: string) =>
    gpu(`Hostname="m1",UUID="M1",gpu="0",GPU_I_ID="${id}",GPU_I_PROFILE="${profile}",${exporter}${ns ? `,${held(ns)}` : ''}`, 300);
  const run = promtool(
    [
      {
        interval: '1m',
        input_series: [
          { series: `kube_node_labels{node="m1",label_ai_factory_eu_pool="${pool.name}"}`, values: '1x30' },
          { series: 'kube_namespace_labels{namespace="t1",label_ai_factory_eu_programme="academic"}', values: '1x30' },
          { series: 'kube_namespace_labels{namespace="t2",label_ai_factory_eu_programme="industrial"}', values: '1x30' },
          ...instance(1, '3g.40gb', 't1'),
          ...instance(2, '2g.20gb'),
          ...instance(3, '1g.10gb', 't2'),
          ...instance(4, '1g.10gb', 't2'),
        ],
        promql_expr_test: [
          {
            expr: 'tenant:gpus_allocated:sum',
            eval_time: '10m',
            exp_samples: [
              sample('tenant:gpus_allocated:sum{namespace="t1",programme="academic"}', 3 / 7),
              sample('tenant:gpus_allocated:sum{namespace="t2",programme="industrial"}', 2 / 7),
            ],
          },
          // In sevenths, rounded: the sum of thirds and sevenths is not exact in floating point.
          { expr: 'round(site:gpus_allocated:sum * 7000)', eval_time: '10m', exp_samples: [sample('{}', 5000)] },
          { expr: 'site:gpus:count', eval_time: '10m', exp_samples: [sample('site:gpus:count', 1)] },
        ],
      },
    ],
    'cz-prague',
  );
  expect(run.output).toMatch(/SUCCESS/);
  expect(run.status).toBe(0);
});

test('negative control: summing the instances, as the earlier rules did, counts the MIG GPU seven times and fails', () => {
  // The earlier rules summed every instance's power; promtool tells the difference.
  const run = promtool([
    {
      interval: '1m',
      input_series: input,
      promql_expr_test: [
        {
          expr: 'sum by (Hostname) (DCGM_FI_DEV_POWER_USAGE{Hostname="n2"})',
          eval_time: '10m',
          exp_samples: [sample('{Hostname="n2"}', 400)],
        },
      ],
    },
  ]);
  expect(run.status).not.toBe(0);
  expect(run.output).toMatch(/got: \{Hostname="n2"\} 2\.8E\+03/);
});
