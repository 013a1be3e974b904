import { Construct } from 'constructs';
import type { ChartPin, Site } from '../config';
import { PodSecurityLevel } from './namespace';
import { OperatorRelease } from './operator-release';

/** The GPU Operator's cluster-wide MIG strategy. */
export type MigStrategy = 'none' | 'single' | 'mixed';

export interface GpuOperatorProps {
  readonly site: Site;
  /** The pinned gpu-operator chart. */
  readonly chart: ChartPin;
}

/**
 * NVIDIA GPU Operator: driver, container toolkit, device plugin, DCGM exporter, MIG manager and
 * validator on every GPU node.
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/
 */
export class GpuOperator extends Construct {
  readonly operator: OperatorRelease;
  readonly migStrategy: MigStrategy;

  constructor(scope: Construct, id: string, props: GpuOperatorProps) {
    super(scope, id);
    const { site } = props;
    this.migStrategy = clusterMigStrategy(site);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'the driver and toolkit daemonsets load kernel modules and write to the host',
      values: {
        nfd: { enabled: false },
        driver: {
          enabled: true,
          version: site.gpuDriverVersion,
          // GPUDirect RDMA: GPUs and fabric NICs exchange data without a CPU bounce buffer.
          rdma: { enabled: true },
        },
        mig: { strategy: this.migStrategy },
        migManager: { enabled: this.migStrategy !== 'none' },
        dcgmExporter: { enabled: true, serviceMonitor: { enabled: true } },
      },
    });
  }
}

/** Mixed when any pool mixes profiles, single when any pool is partitioned, none otherwise. */
export function clusterMigStrategy(site: Pick<Site, 'nodePools'>): MigStrategy {
  const strategies = new Set(site.nodePools.map((p) => p.mig.strategy));
  if (strategies.has('mixed')) return 'mixed';
  if (strategies.has('single')) return 'single';
  return 'none';
}
