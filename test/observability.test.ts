/**
 * Monitoring that tells the truth: every DCGM metric a rule reads is exported, Prometheus keeps its
 * data on a volume of a class the site has, and every alert reaches a configured receiver (the
 * Alertmanager routing tree walked as Alertmanager walks it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { parse as parseYaml, stringify } from 'yaml';
import { EXPORTER_DEFAULT_COUNTERS, exportedDcgmMetrics } from '../constructs/observability/dcgm-counters';
import { DCGM_JOB, GpuHealthAlerts } from '../constructs/observability/gpu-health-alerts';
import { alertmanagerConfig, MonitoringStack } from '../constructs/observability/monitoring-stack';
import { loadFleet } from '../config';
import { buildFleet } from '../stacks/fleet';
import { metricProblems, synthesizedSite, type SiteOutput } from './site-model';
import { ConfigCopy, fleet, manifests, releaseValues, site } from './util';

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is read as plain data.
type Obj = Record<string, any>;
type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: { severity: string } };

const outputs: SiteOutput[] = buildFleet(Testing.app(), fleet()).map(synthesizedSite);
const release = (o: SiteOutput, chart: string): Obj => {
  const r = Object.values(o.foundation.resource.helm_release as Obj).find((x: Obj) => x.chart === chart) as Obj;
  return parseYaml(r.values[0]);
};
const rulesOf = (o: SiteOutput): Rule[] =>
  Object.values(o.platform.resource.kubernetes_manifest as Obj)
    .map((r: Obj) => r.manifest)
    .filter((m) => m.kind === 'PrometheusRule')
    .flatMap((m) => m.spec.groups.flatMap((g: Obj) => g.rules));

describe('every metric a rule reads is exported', () => {
  test.each(outputs.map((o) => [o.site, o]))('%s: the DCGM exporter is configured with every DCGM field the rules use', (_id, o) => {
    const config = release(o, 'gpu-operator').dcgmExporter.config;
    expect(config).toMatchObject({ create: true, name: expect.any(String) });
    const configured = new Set(
      (config.data as string)
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'))
        .map((l) => l.split(',')[0].trim()),
    );
    const used = new Set(rulesOf(o).flatMap((r) => r.expr.match(/\bDCGM_FI_[A-Z0-9_]+\b/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((m) => !configured.has(m))).toEqual([]);
    // The ECC alert reads a field the exporter's defaults leave out.
    expect(used.has('DCGM_FI_DEV_ECC_DBE_VOL_TOTAL') && configured.has('DCGM_FI_DEV_ECC_DBE_VOL_TOTAL')).toBe(true);
  });

  test("the embedded exporter defaults are dcgm-exporter's default-counters.csv, line for line", () => {
    const csv = readFileSync(join(__dirname, 'fixtures/upstream/dcgm-exporter/4.5.3-4.8.2/etc/default-counters.csv'), 'utf8');
    const upstream = csv
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .map((l) => l.split(',').map((f) => f.trim()));
    expect(EXPORTER_DEFAULT_COUNTERS.map((c) => [c.field, c.type, c.help])).toEqual(
      upstream.map(([f, t, ...h]) => [f, t, h.join(',').trim()]),
    );
  });

  test('the DCGM scrape keeps the pod mapping apart from the exporter’s own labels (no honorLabels)', () => {
    for (const o of outputs) expect(release(o, 'gpu-operator').dcgmExporter.serviceMonitor.honorLabels).toBe(false);
  });

  test('the site model names a rule reading a field nobody exports, or a label kube-state-metrics drops', () => {
    const exported = exportedDcgmMetrics();
    expect(exported.has('DCGM_FI_DEV_GPU_TEMP')).toBe(true);
    expect(exported.has('DCGM_FI_DEV_POWER_VIOLATION')).toBe(false);
    const o = JSON.parse(JSON.stringify(outputs.find((x) => x.site === 'cz-prague')!)) as SiteOutput;
    expect(metricProblems(o)).toEqual([]);
    const rules = Object.values(o.platform.resource.kubernetes_manifest as Obj).find(
      (r: Obj) => r.manifest.metadata.name === 'gpu-health',
    ) as Obj;
    rules.manifest.spec.groups[0].rules.push({ alert: 'Throttled', expr: 'rate(DCGM_FI_DEV_POWER_VIOLATION[5m]) > 0' });
    const ksm = Object.values(o.foundation.resource.helm_release as Obj).find((r: Obj) => r.chart === 'kube-prometheus-stack') as Obj;
    const values = parseYaml(ksm.values[0]);
    values['kube-state-metrics'].metricLabelsAllowlist = ['namespaces=[ai-factory.eu/programme,ai-factory.eu/tenant]'];
    ksm.values = [stringify(values)];
    const problems = metricProblems(o);
    expect(problems).toContain(
      'cz-prague: rule Throttled reads DCGM_FI_DEV_POWER_VIOLATION, which the DCGM exporter is not configured to export',
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /rule GpuCountDropped reads label_ai_factory_eu_pool of kube_node_labels, which kube-state-metrics' metricLabelsAllowlist does not export/,
      ),
    );
  });
});

describe('Prometheus persists', () => {
  test.each(outputs.map((o) => [o.site, o]))(
    '%s: data on a volume of a storage class the platform creates, retention by time and size',
    (_id, o) => {
      const spec = release(o, 'kube-prometheus-stack').prometheus.prometheusSpec;
      const claim = spec.storageSpec.volumeClaimTemplate.spec;
      const classes = Object.values(o.platform.resource.kubernetes_storage_class_v1 as Obj).map((c: Obj) => c.metadata.name);
      expect(classes).toContain(claim.storageClassName);
      expect(claim.accessModes).toEqual(['ReadWriteOnce']);
      const size = Number.parseInt(claim.resources.requests.storage, 10);
      expect(size).toBeGreaterThan(0);
      expect(spec.retention).toMatch(/^\d+d$/);
      // Size-based retention leaves room on the volume for the WAL and compaction.
      expect(Number.parseInt(spec.retentionSize, 10)).toBeLessThan(size);
    },
  );

  test('a site can send its metrics to a remote store, its token by reference to a Secret', () => {
    const s = site('cz-prague');
    const withRemote = {
      ...s,
      monitoring: {
        ...s.monitoring,
        prometheus: {
          ...s.monitoring.prometheus,
          tier: 'checkpoints' as const,
          sizeGiB: 2000,
          remoteWrite: [
            { name: 'fleet', url: 'https://metrics.example.org/api/v1/write', bearerToken: { secret: 'fleet-metrics', key: 'token' } },
          ],
        },
      },
    };
    const stack = new TerraformStack(Testing.app(), 'test');
    new MonitoringStack(stack, 'monitoring', { site: withRemote, chart: fleet().charts.kubePrometheusStack });
    const spec = (releaseValues(stack)['kube-prometheus-stack'] as Obj).prometheus.prometheusSpec;
    expect(spec.remoteWrite).toEqual([
      {
        name: 'fleet',
        url: 'https://metrics.example.org/api/v1/write',
        authorization: { type: 'Bearer', credentials: { name: 'fleet-metrics', key: 'token' } },
      },
    ]);
    expect(spec.storageSpec.volumeClaimTemplate.spec).toMatchObject({
      storageClassName: 'checkpoints',
      resources: { requests: { storage: '2000Gi' } },
    });
    expect(spec.retentionSize).toBe('1700GB');
  });
});

// ---------------------------------------------------------------- Alertmanager routing, as Alertmanager walks it

interface Route {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  routes?: Route[];
  repeat_interval?: string;
}

/** Does one Alertmanager matcher (`name = "v"`, `name =~ re`, `!=`, `!~`) hold for these labels. */
function matcher(m: string, labels: Record<string, string>): boolean {
  const [, name, op, raw] = /^\s*(\w+)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(m)!;
  const value = labels[name] ?? '';
  if (op === '=') return value === raw;
  if (op === '!=') return value !== raw;
  const re = new RegExp(`^(?:${raw})$`);
  return op === '=~' ? re.test(value) : !re.test(value);
}

/** The receivers Alertmanager notifies for an alert: depth-first, first match wins unless `continue`. */
function receiversFor(route: Route, labels: Record<string, string>, inherited = route.receiver): string[] {
  const found: string[] = [];
  for (const child of route.routes ?? []) {
    if (!(child.matchers ?? []).every((m) => matcher(m, labels))) continue;
    found.push(...receiversFor(child, labels, child.receiver ?? inherited));
    if (!child.continue) break;
  }
  return found.length ? found : [inherited!];
}

describe('alerts reach a configured receiver', () => {
  test.each(outputs.map((o) => [o.site, o]))('%s: every alert the rules define, and the Watchdog, go to a real receiver', (_id, o) => {
    const am = release(o, 'kube-prometheus-stack').alertmanager;
    const receivers = new Map<string, Obj>(am.config.receivers.map((r: Obj) => [r.name, r]));
    const real = (name: string) => {
      const r = receivers.get(name);
      return !!r && Object.keys(r).some((k) => k.endsWith('_configs'));
    };
    const alerts = rulesOf(o).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) {
      const to = receiversFor(am.config.route, { alertname: alert.alert!, severity: alert.labels!.severity, site: o.site });
      expect({ alert: alert.alert, to: to.filter((r) => !real(r)) }).toEqual({ alert: alert.alert, to: [] });
    }
    const watchdog = receiversFor(am.config.route, { alertname: 'Watchdog', severity: 'none' });
    expect(watchdog.every(real)).toBe(true);
    // Repeated every minute, so a heartbeat service notices the first missed beat.
    expect(am.config.route.routes.find((r: Route) => r.matchers?.includes('alertname = "Watchdog"')).repeat_interval).toBe('1m');
  });

  test.each(outputs.map((o) => [o.site, o]))('%s: credentials are files of Secrets mounted into Alertmanager, never values', (_id, o) => {
    const am = release(o, 'kube-prometheus-stack').alertmanager;
    const files = JSON.stringify(am.config).match(/"\w+_file":"[^"]+"/g) ?? [];
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const [, secret] = /\/etc\/alertmanager\/secrets\/([^/]+)\//.exec(f)!;
      expect(am.alertmanagerSpec.secrets).toContain(secret);
    }
    const inline = JSON.stringify(am.config).match(/"(url|routing_key|auth_password|service_key|api_key)":/g);
    expect(inline).toBeNull();
  });

  test('routes from config: critical to on-call and e-mail, warnings to e-mail, the Watchdog to its heartbeat', () => {
    const config = alertmanagerConfig({
      receivers: [
        { name: 'oncall', pagerduty: { routingKey: { secret: 'am', key: 'pd' } } },
        {
          name: 'ops-mail',
          email: {
            to: 'ops@example.org',
            from: 'am@example.org',
            smarthost: 'smtp.example.org:587',
            authUsername: 'am',
            authPassword: { secret: 'am', key: 'smtp' },
          },
        },
        { name: 'beat', webhook: { url: { secret: 'am', key: 'beat' } } },
      ],
      critical: ['oncall', 'ops-mail'],
      warning: ['ops-mail'],
      watchdog: 'beat',
    }) as Obj;
    expect(receiversFor(config.route, { alertname: 'GpuFellOffBus', severity: 'critical' })).toEqual(['oncall', 'ops-mail']);
    expect(receiversFor(config.route, { alertname: 'GpuTemperatureHigh', severity: 'warning' })).toEqual(['ops-mail']);
    expect(receiversFor(config.route, { alertname: 'Watchdog', severity: 'none' })).toEqual(['beat']);
    // Info alerts page nobody; an alert without a known severity still reaches someone (the first
    // receiver that is not the heartbeat).
    expect(receiversFor(config.route, { alertname: 'KubeInfo', severity: 'info' })).toEqual(['null']);
    expect(receiversFor(config.route, { alertname: 'Other' })).toEqual(['oncall']);
    // The heartbeat never hears "resolved": a resolved Watchdog means Prometheus is gone.
    expect(config.receivers.find((r: Obj) => r.name === 'beat').webhook_configs[0].send_resolved).toBe(false);
    expect(config.receivers.find((r: Obj) => r.name === 'oncall').pagerduty_configs[0].send_resolved).toBe(true);
    expect(config.receivers.find((r: Obj) => r.name === 'ops-mail').email_configs[0]).toMatchObject({
      auth_password_file: '/etc/alertmanager/secrets/am/smtp',
    });
  });

  test('the chart’s default config sent every alert to the null receiver (what this replaces)', () => {
    const chart = parseYaml(
      readFileSync(join(__dirname, 'fixtures/upstream/kube-prometheus-stack/88.5.3/chart/values.yaml'), 'utf8'),
    ) as Obj;
    expect(receiversFor(chart.alertmanager.config.route, { alertname: 'GpuFellOffBus', severity: 'critical' })).toEqual(['null']);
  });

  test('a route naming a receiver that does not exist is a config error', () => {
    const config = new ConfigCopy().replace(
      'sites/nl.yaml',
      '    energy: { budgetMW: 1.5, pue: 1.15, gridCarbonGPerKWh: 270 }',
      '    energy: { budgetMW: 1.5, pue: 1.15, gridCarbonGPerKWh: 270 }\n    monitoring: { alerting: { critical: [pager] } }',
    );
    expect(config.problems()).toContainEqual(
      expect.stringMatching(
        /sites\/nl\.yaml:\d+:\d+: sites\[0\]\.monitoring\.alerting\.critical\[0\]: "pager" is not a receiver of nl-amsterdam \(allowed: site-oncall, heartbeat\)/,
      ),
    );
    expect(loadFleet(config.dir).ok).toBe(false);
  });
});

describe('GpuHealthAlerts', () => {
  const alerts = (props: { gpuTemperatureC?: number; memoryTemperatureC?: number } = {}) => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new GpuHealthAlerts(stack, 'health', {
      siteId: 'es-barcelona',
      pools: site('es-barcelona').nodePools,
      namespace: 'monitoring',
      ...props,
    });
    const [rule] = manifests(stack);
    return (rule.spec as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  };
  const byName = (rules: Rule[], name: string) => rules.find((r) => r.alert === name)!;

  test('XID, ECC, temperature, fell-off-the-bus, GPU count per pool and exporter-down alerts', () => {
    const rules = alerts();
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'GpuXidError',
        'GpuFatalXid',
        'GpuFellOffBus',
        'GpuDoubleBitEccErrors',
        'GpuRowRemapFailure',
        'GpuTemperatureHigh',
        'GpuMemoryTemperatureHigh',
        'GpuCountDropped',
        'DcgmExporterDown',
        'DcgmExporterAbsent',
      ]),
    );
    expect(rules.filter((r) => r.alert === 'GpuCountDropped')).toHaveLength(site('es-barcelona').nodePools.length);
    expect(byName(rules, 'GpuFellOffBus')).toMatchObject({ expr: 'DCGM_FI_DEV_XID_ERRORS == 79', labels: { severity: 'critical' } });
    expect(byName(rules, 'GpuTemperatureHigh')).toMatchObject({ expr: 'DCGM_FI_DEV_GPU_TEMP > 85', for: '5m' });
    expect(byName(rules, 'DcgmExporterDown').expr).toBe(`up{job="${DCGM_JOB}"} == 0`);
    for (const rule of rules) expect(['critical', 'warning']).toContain(rule.labels?.severity);
  });

  test('can be customised: temperature thresholds', () => {
    const rules = alerts({ gpuTemperatureC: 80, memoryTemperatureC: 90 });
    expect(byName(rules, 'GpuTemperatureHigh').expr).toBe('DCGM_FI_DEV_GPU_TEMP > 80');
    expect(byName(rules, 'GpuMemoryTemperatureHigh').expr).toBe('DCGM_FI_DEV_MEMORY_TEMP > 90');
  });
});

describe('MonitoringStack', () => {
  test('keeps the tenant programme label of namespaces and the pool label of nodes; labels metrics with the site', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new MonitoringStack(stack, 'monitoring', { site: site('nl-amsterdam'), chart: fleet().charts.kubePrometheusStack });
    const values = releaseValues(stack)['kube-prometheus-stack'] as Obj;
    expect(values['kube-state-metrics'].metricLabelsAllowlist).toEqual([
      'namespaces=[ai-factory.eu/programme,ai-factory.eu/tenant]',
      'nodes=[ai-factory.eu/pool]',
    ]);
    expect(values.prometheus.prometheusSpec.externalLabels).toEqual({ site: 'nl-amsterdam' });
  });
});
