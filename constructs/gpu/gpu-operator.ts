import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';
import { MIG_DISABLED, migPartedConfig } from './private/mig-layout';
import { CONFIG_MAPS, GPU_NODE_AGENT_TOLERATIONS, LABEL_PREFIX, NVIDIA_RUNTIME_CLASS } from '../contract';
import { dcgmCountersCsv, dcgmCountersDigest } from '../observability/dcgm-counters';

/** ConfigMap the chart creates with the exporter's counters (`dcgm-metrics.csv`). */
export const DCGM_COUNTERS_CONFIG_MAP = 'factory-dcgm-counters';

/** The GPU Operator's cluster-wide MIG strategy. */
export type MigStrategy = 'none' | 'single' | 'mixed';

/** ConfigMap the chart creates with the pools' MIG layouts. */
export const MIG_CONFIG_MAP = CONFIG_MAPS.migLayouts;
/** DCGM scrape interval; accounting rules integrate over it. */
const DCGM_SCRAPE_INTERVAL = '15s';

export interface GpuOperatorProps {
  readonly site: Site;
  /** The pinned gpu-operator chart. */
  readonly chart: ChartPin;
  /** Driver version. @default site.gpuDriverVersion (itself defaulting to the fleet's) */
  readonly driverVersion?: string;
  /**
   * GPUDirect RDMA through the legacy nvidia-peermem module instead of DMA-BUF. It makes the driver
   * wait for the Mellanox driver on every GPU node with a ConnectX card, rail pool or not.
   * @default false: DMA-BUF (open kernel modules), which NVIDIA recommends and which needs no module
   */
  readonly legacyPeermem?: boolean;
  /** Releases whose CRDs this one's values create objects of (e.g. ServiceMonitor): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
}

/**
 * NVIDIA GPU Operator: driver, container toolkit, device plugin, DCGM exporter with its
 * ServiceMonitor, MIG manager with the pools' layouts, and the validator, on every GPU node.
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/
 */
export class GpuOperator extends Construct {
  readonly operator: OperatorRelease;
  readonly migStrategy: MigStrategy;

  constructor(scope: Construct, id: string, props: GpuOperatorProps) {
    super(scope, id);
    const { site } = props;
    for (const pool of site.nodePools) {
      const unsupported = Object.keys(pool.mig.profiles ?? {}).filter((p) => !pool.gpu.migProfiles.includes(p));
      if (pool.mig.strategy !== 'none' && unsupported.length > 0) {
        throw new Error(
          `${site.id} pool ${pool.name}: MIG profiles ${unsupported.join(', ')} are not supported by ${pool.gpu.id} (allowed: ${pool.gpu.migProfiles.join(', ') || 'none'})`,
        );
      }
    }
    const driverVersion = props.driverVersion ?? site.gpuDriverVersion;
    const peermem = props.legacyPeermem ?? false;
    this.migStrategy = clusterMigStrategy(site);
    const partitioned = this.migStrategy !== 'none';

    this.operator = new OperatorRelease(this, 'operator', {
      siteId: site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'the driver and toolkit daemonsets load kernel modules and write to the host',
      after: props.after,
      values: {
        // The operator owns the RuntimeClass that routes pods to the NVIDIA runtime.
        operator: { runtimeClass: NVIDIA_RUNTIME_CLASS },
        // Every operand (driver, toolkit, device plugin, DCGM exporter, MIG manager, validator)
        // must reach every GPU node, whatever pool taint it carries.
        daemonsets: { tolerations: [...GPU_NODE_AGENT_TOLERATIONS] },
        // The fleet runs its own Node Feature Discovery (NodeFeatureDiscovery construct).
        nfd: { enabled: false },
        driver: {
          enabled: true,
          version: driverVersion,
          // GPUDirect RDMA through DMA-BUF, which needs the open kernel modules and no peer-memory
          // module: the driver never waits for the NIC driver, which runs on the rail pools only.
          kernelModuleType: 'open',
          rdma: { enabled: peermem, useHostMofed: site.interconnect.nicDriver === 'host' },
        },
        // GPUs only through requests: the toolkit ignores NVIDIA_VISIBLE_DEVICES in unprivileged
        // containers (otherwise any pod could name every GPU of its node outside quota); devices
        // reach containers through CDI, which the device plugin writes for allocated GPUs only.
        cdi: { enabled: true },
        toolkit: { enabled: true, env: [{ name: 'ACCEPT_NVIDIA_VISIBLE_DEVICES_ENVVAR_WHEN_UNPRIVILEGED', value: 'false' }] },
        devicePlugin: { enabled: true },
        // The validator always runs; WITH_WORKLOAD also runs a CUDA sample on every GPU node.
        validator: { plugin: { env: [{ name: 'WITH_WORKLOAD', value: 'true' }] } },
        // "none" is not a GPU Operator strategy: unpartitioned clusters keep the chart's single.
        mig: { strategy: partitioned ? this.migStrategy : 'single' },
        migManager: {
          enabled: partitioned,
          config: partitioned
            ? { name: MIG_CONFIG_MAP, create: true, default: MIG_DISABLED, data: { 'config.yaml': migPartedConfig(site.nodePools) } }
            : { name: '', create: false, default: MIG_DISABLED, data: {} },
        },
        dcgmExporter: {
          enabled: true,
          // Our list replaces the exporter's: its defaults plus the fields our rules read.
          config: { name: DCGM_COUNTERS_CONFIG_MAP, create: true, data: dcgmCountersCsv() },
          // The operator mounts the list by subPath, read once at start: a changed list changes this
          // pod annotation, which rolls the exporter.
          annotations: { [`${LABEL_PREFIX}/dcgm-counters`]: dcgmCountersDigest() },
          // Without honorLabels the pod mapping arrives as exported_namespace/exported_pod, present
          // only on GPUs allocated to a pod; idle GPUs carry just the exporter's own target labels,
          // so accounting never charges them to anyone.
          serviceMonitor: { enabled: true, interval: DCGM_SCRAPE_INTERVAL, honorLabels: false },
        },
      },
    });
  }
}

/**
 * Mixed whenever any pool is partitioned: MIG instances are then advertised per profile
 * (nvidia.com/mig-<profile>) and never as nvidia.com/gpu, which the single strategy would do,
 * letting a whole-GPU job land on a slice. A pool with one profile on every GPU still gets it.
 */
export function clusterMigStrategy(site: Pick<Site, 'nodePools'>): MigStrategy {
  return site.nodePools.some((p) => p.mig.strategy !== 'none') ? 'mixed' : 'none';
}
