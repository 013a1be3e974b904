import { Construct } from 'constructs';
import type { Site } from '../../config';
import { PrometheusRuleSet, type RecordingRule } from './prometheus-rule';

/** Evaluation interval of the accounting rules; GPU-hours are sums of per-interval samples. */
const INTERVAL_MINUTES = 1;
const JOULES_PER_KWH = 3.6e6;
/** kube-state-metrics' name for the programme label of tenant namespaces. */
export const PROGRAMME_NAMESPACE_LABEL = 'label_ai_factory_eu_programme';

export interface GpuAccountingProps {
  readonly site: Site;
  /** Namespace of the monitoring stack. */
  readonly namespace: string;
}

/**
 * Recording rules for GPU-hours, energy and carbon per namespace, per access programme and per
 * site, from DCGM. The subsidised SME programme reports on these numbers.
 */
export class GpuAccounting extends Construct {
  readonly rules: PrometheusRuleSet;

  constructor(scope: Construct, id: string, props: GpuAccountingProps) {
    super(scope, id);
    const { pue, gridCarbonGPerKWh } = props.site.energy;
    const byProgramme = (metric: string) =>
      `sum by (programme) (label_replace(${metric} * on (namespace) group_left (${PROGRAMME_NAMESPACE_LABEL}) ` +
      `max by (namespace, ${PROGRAMME_NAMESPACE_LABEL}) (kube_namespace_labels{${PROGRAMME_NAMESPACE_LABEL}!=""}), ` +
      `"programme", "$1", "${PROGRAMME_NAMESPACE_LABEL}", "(.+)"))`;
    const toFacilityCarbon = (joules: string) => `${joules} * ${pue} / ${JOULES_PER_KWH} * ${gridCarbonGPerKWh}`;

    const rules: RecordingRule[] = [
      { record: 'namespace:dcgm_gpus_in_use:count', expr: 'count by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace!=""})' },
      { record: 'namespace:dcgm_power_watts:sum', expr: 'sum by (namespace) (DCGM_FI_DEV_POWER_USAGE{namespace!=""})' },
      { record: 'namespace:dcgm_gpu_hours:1h', expr: `sum_over_time(namespace:dcgm_gpus_in_use:count[1h]) * ${INTERVAL_MINUTES} / 60` },
      // DCGM's energy counter is in millijoules since the driver loaded.
      {
        record: 'namespace:dcgm_energy_joules:1h',
        expr: 'sum by (namespace) (increase(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{namespace!=""}[1h])) / 1000',
      },
      { record: 'programme:dcgm_gpu_hours:1h', expr: byProgramme('namespace:dcgm_gpu_hours:1h') },
      { record: 'programme:dcgm_energy_joules:1h', expr: byProgramme('namespace:dcgm_energy_joules:1h') },
      { record: 'programme:gpu_carbon_grams:1h', expr: toFacilityCarbon('programme:dcgm_energy_joules:1h') },
      { record: 'site:dcgm_energy_joules:1h', expr: 'sum(increase(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION[1h])) / 1000' },
      // GPU energy scaled by the site's PUE: the GPUs' share of facility energy, and its carbon.
      { record: 'site:gpu_facility_energy_joules:1h', expr: `site:dcgm_energy_joules:1h * ${pue}` },
      { record: 'site:gpu_carbon_grams:1h', expr: toFacilityCarbon('site:dcgm_energy_joules:1h') },
    ];
    this.rules = new PrometheusRuleSet(this, 'rules', {
      siteId: props.site.id,
      name: 'gpu-accounting',
      namespace: props.namespace,
      groups: [{ name: 'gpu-accounting', interval: `${INTERVAL_MINUTES}m`, rules }],
    });
  }
}
