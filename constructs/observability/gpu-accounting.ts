import { Construct } from 'constructs';
import { MIG_COMPUTE_SLICES_PER_GPU, migComputeSlices, type Site } from '../../config';
import { POOL_NODE_LABEL } from './gpu-health-alerts';
import { PrometheusRuleSet, type RecordingRule } from './prometheus-rule';

/** Evaluation interval of the accounting rules: each sample of a rate series stands for one minute. */
export const ACCOUNTING_INTERVAL_MINUTES = 1;
/** kube-state-metrics' names for the programme and tenant labels of tenant namespaces. */
export const PROGRAMME_NAMESPACE_LABEL = 'label_ai_factory_eu_programme';

/**
 * The series the usage ledger integrates over a period (each is per minute, per tenant namespace,
 * with its programme): GPUs held, facility power, carbon rate. Sum of samples x interval = total.
 */
export const LEDGER_SERIES = {
  /** Physical GPUs held (a MIG instance as its compute slices over seven). */
  gpus: 'tenant:gpus_allocated:sum',
  /** Facility power of those GPUs: their draw, their share of node overhead, times PUE (W). */
  facilityWatts: 'tenant:facility_power_watts:sum',
  /** Grid carbon of that power (gCO2e per hour). */
  carbonGramsPerHour: 'tenant:carbon_grams_per_hour:sum',
} as const;

/**
 * Each held GPU or MIG instance as the share of a physical GPU it is: 1 for a whole GPU (no
 * profile label), slices/7 for an instance of each profile the site's pools use.
 */
function heldWeights(site: Site): string {
  const held = (profile: string) => `DCGM_FI_DEV_POWER_USAGE{exported_namespace!="",GPU_I_PROFILE="${profile}"}`;
  const profiles = [...new Set(site.nodePools.flatMap((p) => Object.keys(p.mig.profiles ?? {})))].sort();
  return [
    `(${held('')} * 0 + 1)`,
    ...profiles.map((p) => `(${held(p)} * 0 + ${migComputeSlices(p)} / ${MIG_COMPUTE_SLICES_PER_GPU})`),
  ].join(' or ');
}

export interface GpuAccountingProps {
  readonly site: Site;
  /** Namespace of the monitoring stack. */
  readonly namespace: string;
}

/**
 * Recording rules for GPU-hours, energy and carbon per physical GPU, per tenant and programme, and
 * per site, from the DCGM exporter:
 *  - a physical GPU is counted once: MIG instances repeat their GPU's power and energy, so the
 *    rules take one value per (Hostname, UUID);
 *  - a GPU is charged to a namespace only through the exporter's pod mapping (exported_namespace,
 *    present on GPUs and MIG instances allocated to a pod); a MIG instance counts as its compute
 *    slices over seven; idle GPUs and instances are charged to nobody;
 *  - node power includes each pool's node overhead (CPUs, NICs, fans), shared over its GPUs, and
 *    PUE applies to the whole; carbon uses the site's grid intensity;
 *  - site energy over a period is `increase` of the exporter's energy counter, never a sum of
 *    rolling windows; per-tenant totals integrate the per-minute series once over the period.
 */
export class GpuAccounting extends Construct {
  readonly rules: PrometheusRuleSet;

  constructor(scope: Construct, id: string, props: GpuAccountingProps) {
    super(scope, id);
    const { site } = props;
    const { pue, gridCarbonGPerKWh } = site.energy;
    const nodesOf = (pool: string) => `label_replace(kube_node_labels{${POOL_NODE_LABEL}="${pool}"}, "Hostname", "$1", "node", "(.+)")`;
    // Each physical GPU's share of its node's overhead, by pool.
    const overhead = site.nodePools
      .filter((p) => p.gpusPerNode > 0)
      .map((p) => `(gpu:dcgm_power_watts:max * 0 + ${p.nodeOverheadW / p.gpusPerNode} and on (Hostname) ${nodesOf(p.name)})`)
      .join(' or ');
    const tenantOf = (expr: string) =>
      `sum by (namespace, programme) (label_replace(${expr}, "namespace", "$1", "exported_namespace", "(.+)") ` +
      `* on (namespace) group_left (programme) max by (namespace, programme) ` +
      `(label_replace(kube_namespace_labels{${PROGRAMME_NAMESPACE_LABEL}!=""}, "programme", "$1", "${PROGRAMME_NAMESPACE_LABEL}", "(.+)")))`;

    const rules: RecordingRule[] = [
      // One value per physical GPU.
      { record: 'gpu:dcgm_power_watts:max', expr: 'max by (Hostname, UUID) (DCGM_FI_DEV_POWER_USAGE)' },
      // The exporter's energy counter is in millijoules since the driver loaded.
      { record: 'gpu:dcgm_energy_joules:max', expr: 'max by (Hostname, UUID) (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION) / 1000' },
      { record: 'gpu:node_overhead_watts:share', expr: overhead || 'gpu:dcgm_power_watts:max * 0' },
      // A GPU on a node without a pool label still counts, without overhead.
      {
        record: 'gpu:it_power_watts:sum',
        expr: '(gpu:dcgm_power_watts:max + on (Hostname, UUID) gpu:node_overhead_watts:share) or gpu:dcgm_power_watts:max',
      },
      // The share of each GPU held by each namespace: a whole GPU is 1, a MIG instance its compute
      // slices over the GPU's seven.
      { record: 'gpu_namespace:allocation:ratio', expr: `sum by (Hostname, UUID, exported_namespace) (${heldWeights(site)})` },
      { record: LEDGER_SERIES.gpus, expr: tenantOf('gpu_namespace:allocation:ratio') },
      {
        record: 'tenant:it_power_watts:sum',
        expr: tenantOf('gpu_namespace:allocation:ratio * on (Hostname, UUID) group_left gpu:it_power_watts:sum'),
      },
      { record: LEDGER_SERIES.facilityWatts, expr: `tenant:it_power_watts:sum * ${pue}` },
      { record: LEDGER_SERIES.carbonGramsPerHour, expr: `${LEDGER_SERIES.facilityWatts} / 1000 * ${gridCarbonGPerKWh}` },
      { record: 'programme:gpus_allocated:sum', expr: `sum by (programme) (${LEDGER_SERIES.gpus})` },
      { record: 'programme:facility_power_watts:sum', expr: `sum by (programme) (${LEDGER_SERIES.facilityWatts})` },
      // The site: every GPU, held or idle.
      { record: 'site:gpus:count', expr: 'count(gpu:dcgm_power_watts:max)' },
      // Every holder, tenants or not (the health checks' namespace has no programme).
      { record: 'site:gpus_allocated:sum', expr: 'sum(gpu_namespace:allocation:ratio)' },
      { record: 'site:it_power_watts:sum', expr: 'sum(gpu:it_power_watts:sum)' },
      { record: 'site:facility_power_watts:sum', expr: `site:it_power_watts:sum * ${pue}` },
      { record: 'site:carbon_grams_per_hour:sum', expr: `site:facility_power_watts:sum / 1000 * ${gridCarbonGPerKWh}` },
      // GPU energy over the last hour from the counter (resets handled by increase).
      { record: 'site:gpu_energy_joules:increase1h', expr: 'sum(increase(gpu:dcgm_energy_joules:max[1h]))' },
    ];
    this.rules = new PrometheusRuleSet(this, 'rules', {
      siteId: site.id,
      name: 'gpu-accounting',
      namespace: props.namespace,
      groups: [{ name: 'gpu-accounting', interval: `${ACCOUNTING_INTERVAL_MINUTES}m`, rules }],
    });
  }
}
