import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { GpuAccounting } from '../constructs/observability/gpu-accounting';
import { DCGM_JOB, GpuHealthAlerts } from '../constructs/observability/gpu-health-alerts';
import { MonitoringStack } from '../constructs/observability/monitoring-stack';
import { fleet, manifests, releaseValues, site } from './util';

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: { severity: string } };
const rulesOf = (build: (stack: TerraformStack) => void): Rule[] => {
  const stack = new TerraformStack(Testing.app(), 'test');
  build(stack);
  const [rule] = manifests(stack);
  expect(rule).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { namespace: 'monitoring' } });
  return (rule.spec as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
};

describe('GpuHealthAlerts', () => {
  const alerts = (props: { gpuTemperatureC?: number; memoryTemperatureC?: number } = {}) =>
    rulesOf((stack) => new GpuHealthAlerts(stack, 'health', { siteId: 'es-barcelona', namespace: 'monitoring', ...props }));
  const byName = (rules: Rule[], name: string) => rules.find((r) => r.alert === name)!;

  test('defaults: XID, ECC, temperature, fell-off-the-bus and exporter-down alerts', () => {
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
        'DcgmExporterDown',
        'DcgmExporterAbsent',
      ]),
    );
    expect(byName(rules, 'GpuFellOffBus')).toMatchObject({ expr: 'DCGM_FI_DEV_XID_ERRORS == 79', labels: { severity: 'critical' } });
    expect(byName(rules, 'GpuFatalXid').expr).toContain('DCGM_FI_DEV_XID_ERRORS == 48 or');
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

describe('GpuAccounting', () => {
  const records = (siteId: string) =>
    Object.fromEntries(
      rulesOf((stack) => new GpuAccounting(stack, 'accounting', { site: site(siteId), namespace: 'monitoring' })).map((r) => [
        r.record,
        r.expr,
      ]),
    );

  test('records GPU-hours and energy per namespace and per programme', () => {
    const r = records('es-barcelona');
    expect(r['namespace:dcgm_gpu_hours:1h']).toBe('sum_over_time(namespace:dcgm_gpus_in_use:count[1h]) * 1 / 60');
    expect(r['namespace:dcgm_energy_joules:1h']).toContain('increase(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{namespace!=""}[1h])) / 1000');
    expect(r['programme:dcgm_gpu_hours:1h']).toContain('kube_namespace_labels{label_ai_factory_eu_programme!=""}');
    expect(r['programme:dcgm_energy_joules:1h']).toMatch(/^sum by \(programme\)/);
  });

  test('carbon and facility energy use the site PUE and grid intensity', () => {
    expect(records('es-barcelona')['site:gpu_carbon_grams:1h']).toBe('site:dcgm_energy_joules:1h * 1.15 / 3600000 * 120');
    expect(records('pl-warsaw')['site:gpu_carbon_grams:1h']).toBe('site:dcgm_energy_joules:1h * 1.2 / 3600000 * 650');
    expect(records('pl-warsaw')['site:gpu_facility_energy_joules:1h']).toBe('site:dcgm_energy_joules:1h * 1.2');
  });
});

describe('MonitoringStack', () => {
  test('keeps the tenant programme label of namespaces and labels metrics with the site', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new MonitoringStack(stack, 'monitoring', { site: site('nl-amsterdam'), chart: fleet().charts.kubePrometheusStack });
    const values = releaseValues(stack)['kube-prometheus-stack'] as Record<string, any>;
    expect(values['kube-state-metrics'].metricLabelsAllowlist).toEqual(['namespaces=[ai-factory.eu/programme,ai-factory.eu/tenant]']);
    expect(values.prometheus.prometheusSpec.externalLabels).toEqual({ site: 'nl-amsterdam' });
  });
});
