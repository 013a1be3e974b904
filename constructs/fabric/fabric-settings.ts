import { Construct } from 'constructs';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { TerraformOutput } from 'cdktf/lib/terraform-output';
import type { RailPlan, Site } from '../../config';
import { ncclEnvironment } from './nccl-settings';
import { CONFIG_MAPS, siteLabels } from '../contract';

export const NCCL_CONFIG_MAP = CONFIG_MAPS.nccl;
export const WAN_UPLINKS_CONFIG_MAP = CONFIG_MAPS.wanUplinks;

export interface FabricSettingsProps {
  readonly site: Site;
  readonly rails: RailPlan;
  /** Namespace the settings are published in. */
  readonly namespace: string;
}

/**
 * Publishes what jobs and link-validation checks need to know about the fabric: the NCCL
 * environment (envFrom-ready), and the WAN uplinks with their contracted capacity and the
 * throughput the Phase 1 check must reach. The uplinks are also a stack output.
 */
export class FabricSettings extends Construct {
  readonly nccl: ConfigMapV1;
  readonly uplinks: ConfigMapV1;

  constructor(scope: Construct, id: string, props: FabricSettingsProps) {
    super(scope, id);
    const { site } = props;
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels: siteLabels(site.id) });
    this.nccl = new ConfigMapV1(this, 'nccl', { metadata: metadata(NCCL_CONFIG_MAP), data: ncclEnvironment(site, props.rails) });

    const uplinks = site.interconnect.uplinks.map((u) => ({
      ...u,
      minGbps: Math.floor(u.gbps * site.acceptance.wanUplinkFraction),
    }));
    this.uplinks = new ConfigMapV1(this, 'uplinks', {
      metadata: metadata(WAN_UPLINKS_CONFIG_MAP),
      data: { 'uplinks.json': JSON.stringify(uplinks, null, 2) },
    });
    new TerraformOutput(this, 'wan-uplinks', {
      value: uplinks,
      description: `WAN uplinks of ${site.id}: contracted and minimum accepted capacity, Gb/s`,
    });
  }
}
