import { createHash } from 'node:crypto';

/**
 * The DCGM fields the exporter turns into metrics. Setting the GPU Operator's
 * `dcgmExporter.config` replaces the exporter's own list, so the list we give is its defaults plus
 * every field our rules read that the defaults leave out.
 */

export interface DcgmCounter {
  readonly field: string;
  readonly type: 'gauge' | 'counter' | 'label';
  readonly help: string;
}

/**
 * dcgm-exporter's `etc/default-counters.csv` (NVIDIA/dcgm-exporter 4.5.3-4.8.2, Apache-2.0), the
 * uncommented lines, in order; a test compares it with the vendored file.
 */
export const EXPORTER_DEFAULT_COUNTERS: readonly DcgmCounter[] = [
  { field: 'DCGM_FI_DEV_SM_CLOCK', type: 'gauge', help: 'SM clock frequency (in MHz).' },
  { field: 'DCGM_FI_DEV_MEM_CLOCK', type: 'gauge', help: 'Memory clock frequency (in MHz).' },
  { field: 'DCGM_FI_DEV_MEMORY_TEMP', type: 'gauge', help: 'Memory temperature (in C).' },
  { field: 'DCGM_FI_DEV_GPU_TEMP', type: 'gauge', help: 'GPU temperature (in C).' },
  { field: 'DCGM_FI_DEV_POWER_USAGE', type: 'gauge', help: 'Power draw (in W).' },
  { field: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', type: 'counter', help: 'Total energy consumption since boot (in mJ).' },
  { field: 'DCGM_FI_DEV_PCIE_REPLAY_COUNTER', type: 'counter', help: 'Total number of PCIe retries.' },
  { field: 'DCGM_FI_DEV_GPU_UTIL', type: 'gauge', help: 'GPU utilization (in %).' },
  { field: 'DCGM_FI_DEV_MEM_COPY_UTIL', type: 'gauge', help: 'Memory utilization (in %).' },
  { field: 'DCGM_FI_DEV_ENC_UTIL', type: 'gauge', help: 'Encoder utilization (in %).' },
  { field: 'DCGM_FI_DEV_DEC_UTIL', type: 'gauge', help: 'Decoder utilization (in %).' },
  { field: 'DCGM_FI_DEV_XID_ERRORS', type: 'gauge', help: 'Value of the last XID error encountered.' },
  { field: 'DCGM_FI_DEV_FB_FREE', type: 'gauge', help: 'Framebuffer memory free (in MiB).' },
  { field: 'DCGM_FI_DEV_FB_USED', type: 'gauge', help: 'Framebuffer memory used (in MiB).' },
  { field: 'DCGM_FI_DEV_FB_RESERVED', type: 'gauge', help: 'Framebuffer memory reserved (in MiB).' },
  { field: 'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', type: 'counter', help: 'Total number of NVLink bandwidth counters for all lanes.' },
  { field: 'DCGM_FI_DEV_VGPU_LICENSE_STATUS', type: 'gauge', help: 'vGPU License status' },
  { field: 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', type: 'counter', help: 'Number of remapped rows for uncorrectable errors' },
  { field: 'DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS', type: 'counter', help: 'Number of remapped rows for correctable errors' },
  { field: 'DCGM_FI_DEV_ROW_REMAP_FAILURE', type: 'gauge', help: 'Whether remapping of rows has failed' },
  { field: 'DCGM_FI_DRIVER_VERSION', type: 'label', help: 'Driver Version' },
  { field: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', type: 'gauge', help: 'Ratio of time the graphics engine is active.' },
  { field: 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', type: 'gauge', help: 'Ratio of cycles the tensor (HMMA) pipe is active.' },
  {
    field: 'DCGM_FI_PROF_DRAM_ACTIVE',
    type: 'gauge',
    help: 'Ratio of cycles the device memory interface is active sending or receiving data.',
  },
  {
    field: 'DCGM_FI_PROF_PCIE_TX_BYTES',
    type: 'gauge',
    help: 'The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.',
  },
  {
    field: 'DCGM_FI_PROF_PCIE_RX_BYTES',
    type: 'gauge',
    help: 'The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.',
  },
];

/** Fields our rules read that the exporter's defaults leave out (commented out in its list). */
export const RULE_COUNTERS: readonly DcgmCounter[] = [
  { field: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', type: 'counter', help: 'Total number of double-bit volatile ECC errors.' },
  { field: 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', type: 'counter', help: 'Total number of single-bit volatile ECC errors.' },
  // The exporter labels DCGM_FI_DEV_XID_ERRORS with err_code (one series per XID), so a new XID
  // is a new series and changes() never sees it; this counts each XID (label xid) per window.
  { field: 'DCGM_EXP_XID_ERRORS_COUNT', type: 'counter', help: 'reported XIDs during last window' },
];

/** The exporter's counters file (`dcgm-metrics.csv`): its defaults and what our rules need. */
export function dcgmCountersCsv(): string {
  const all = [...EXPORTER_DEFAULT_COUNTERS, ...RULE_COUNTERS.filter((c) => !EXPORTER_DEFAULT_COUNTERS.some((d) => d.field === c.field))];
  return [
    '# DCGM FIELD, Prometheus metric type, help message',
    '# dcgm-exporter defaults, then the fields the fleet alert and accounting rules read',
    ...all.map((c) => `${c.field}, ${c.type}, ${c.help}`),
  ].join('\n');
}

/** A fingerprint of the list: the exporter reads it once at start (a subPath mount), so a change must restart it. */
export function dcgmCountersDigest(): string {
  return createHash('sha256').update(dcgmCountersCsv()).digest('hex').slice(0, 16);
}

/** Metric names the exporter publishes with this list (a field's name is its metric's name). */
export function exportedDcgmMetrics(): Set<string> {
  return new Set([...EXPORTER_DEFAULT_COUNTERS, ...RULE_COUNTERS].filter((c) => c.type !== 'label').map((c) => c.field));
}
