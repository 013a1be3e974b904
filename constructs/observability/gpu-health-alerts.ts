import { Construct } from 'constructs';
import type { NodePool } from '../../config';
import { PrometheusRuleSet, type AlertRule } from './prometheus-rule';

/** Job label of the GPU Operator's DCGM exporter service. */
export const DCGM_JOB = 'nvidia-dcgm-exporter';

/**
 * XIDs that take a GPU out of service until it is reset or replaced.
 * @see https://docs.nvidia.com/deploy/xid-errors/index.html
 */
export const FATAL_XIDS = {
  48: 'double-bit ECC error',
  63: 'row remapping event pending',
  64: 'row remapping failure',
  74: 'NVLink error',
  79: 'GPU has fallen off the bus',
  94: 'contained ECC error',
  95: 'uncontained ECC error',
  119: 'GSP RPC timeout',
  120: 'GSP error',
} as const;
/** Fatal XIDs another alert reports on its own (79: GpuFellOffBus), so it pages once. */
const SEPARATELY_ALERTED = ['79'];

/** kube-state-metrics' name for the pool label of GPU nodes (allow-listed in the monitoring stack). */
export const POOL_NODE_LABEL = 'label_ai_factory_eu_pool';

/** The nodes of a pool as kube-state-metrics sees them, keyed like the exporter (Hostname). */
export function poolNodes(pool: string): string {
  return `label_replace(kube_node_labels{${POOL_NODE_LABEL}="${pool}"}, "Hostname", "$1", "node", "(.+)")`;
}

export interface GpuHealthAlertsProps {
  readonly siteId: string;
  /** The site's pools: a node reporting fewer GPUs than its pool's gpusPerNode alerts. */
  readonly pools: readonly Pick<NodePool, 'name' | 'gpusPerNode'>[];
  /** Namespace of the monitoring stack. */
  readonly namespace: string;
  /** GPU core temperature that warns, degrees C. @default 85 */
  readonly gpuTemperatureC?: number;
  /** HBM temperature that warns, degrees C. @default 95 */
  readonly memoryTemperatureC?: number;
}

/**
 * Alerts on GPU health from DCGM: XID errors, ECC, temperature, GPUs missing from a node, exporter
 * down. Every DCGM metric they read is in the exporter's counters list (dcgm-counters.ts).
 */
export class GpuHealthAlerts extends Construct {
  readonly rules: PrometheusRuleSet;

  constructor(scope: Construct, id: string, props: GpuHealthAlertsProps) {
    super(scope, id);
    const gpuTemperatureC = props.gpuTemperatureC ?? 85;
    const memoryTemperatureC = props.memoryTemperatureC ?? 95;
    const fatal = Object.keys(FATAL_XIDS)
      .filter((xid) => !SEPARATELY_ALERTED.includes(xid))
      .map((xid) => `DCGM_FI_DEV_XID_ERRORS == ${xid}`)
      .join(' or ');
    const alerts: AlertRule[] = [
      {
        alert: 'GpuXidError',
        severity: 'warning',
        // The exporter's per-window count of each XID (label xid): every occurrence, even of an XID
        // seen before (DCGM_FI_DEV_XID_ERRORS only holds the last one, one series per XID).
        expr: 'DCGM_EXP_XID_ERRORS_COUNT > 0',
        summary: 'GPU reported an XID error',
        description:
          'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $labels.xid }} {{ $value }} time(s) in the last window.',
      },
      {
        alert: 'GpuFatalXid',
        severity: 'critical',
        expr: fatal,
        summary: 'GPU hit an XID that needs a reset or replacement',
        description: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} last reported XID {{ $value }} (${Object.entries(FATAL_XIDS)
          .filter(([x]) => !SEPARATELY_ALERTED.includes(x))
          .map(([x, what]) => `${x}: ${what}`)
          .join('; ')}). Drain the node.`,
      },
      {
        alert: 'GpuFellOffBus',
        severity: 'critical',
        expr: 'DCGM_FI_DEV_XID_ERRORS == 79',
        summary: 'GPU has fallen off the PCIe bus',
        description:
          'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is no longer reachable (XID 79). Drain the node and open a hardware case.',
      },
      {
        alert: 'GpuDoubleBitEccErrors',
        severity: 'critical',
        expr: 'increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[10m]) > 0',
        summary: 'GPU memory has uncorrectable ECC errors',
        description: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported {{ $value }} double-bit ECC errors in 10 minutes.',
      },
      {
        alert: 'GpuRowRemapFailure',
        severity: 'critical',
        expr: 'DCGM_FI_DEV_ROW_REMAP_FAILURE > 0',
        summary: 'GPU memory row remapping failed',
        description: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} could not remap a failing memory row; it needs replacement.',
      },
      {
        alert: 'GpuTemperatureHigh',
        severity: 'warning',
        for: '5m',
        expr: `DCGM_FI_DEV_GPU_TEMP > ${gpuTemperatureC}`,
        summary: 'GPU runs hot',
        description: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is at {{ $value }} C (threshold ${gpuTemperatureC} C) for 5 minutes: check cooling.`,
      },
      {
        alert: 'GpuMemoryTemperatureHigh',
        severity: 'warning',
        for: '5m',
        expr: `DCGM_FI_DEV_MEMORY_TEMP > ${memoryTemperatureC}`,
        summary: 'GPU memory runs hot',
        description: `HBM of GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is at {{ $value }} C (threshold ${memoryTemperatureC} C).`,
      },
      ...props.pools.map(
        (pool): AlertRule => ({
          alert: 'GpuCountDropped',
          severity: 'critical',
          for: '10m',
          // GPUs the exporter reports on each node of the pool (MIG instances counted once per GPU);
          // a node of the pool reporting none at all counts as zero.
          expr:
            `(count by (Hostname) (count by (Hostname, UUID) (DCGM_FI_DEV_GPU_TEMP) and on (Hostname) ${poolNodes(pool.name)}) ` +
            `or on (Hostname) (max by (Hostname) (${poolNodes(pool.name)}) * 0)) < ${pool.gpusPerNode}`,
          summary: `A node of pool ${pool.name} reports fewer than its ${pool.gpusPerNode} GPUs`,
          description: `{{ $labels.Hostname }} (pool ${pool.name}) reports {{ $value }} of its ${pool.gpusPerNode} GPUs for 10 minutes: a GPU fell off the bus or its driver lost it. Drain the node and check dmesg for XID 79.`,
        }),
      ),
      {
        alert: 'DcgmExporterDown',
        severity: 'critical',
        for: '5m',
        expr: `up{job="${DCGM_JOB}"} == 0`,
        summary: 'DCGM exporter is down: GPU health and energy are unobserved',
        description: 'The DCGM exporter on {{ $labels.instance }} has not been scraped for 5 minutes.',
      },
      {
        alert: 'DcgmExporterAbsent',
        severity: 'critical',
        for: '15m',
        expr: `absent(up{job="${DCGM_JOB}"})`,
        summary: 'No DCGM exporter is scraped at all',
        description: 'Prometheus finds no DCGM exporter target: the GPU Operator or its ServiceMonitor is missing.',
      },
    ];
    this.rules = new PrometheusRuleSet(this, 'rules', {
      siteId: props.siteId,
      name: 'gpu-health',
      namespace: props.namespace,
      groups: [{ name: 'gpu-health', rules: alerts }],
    });
  }
}
