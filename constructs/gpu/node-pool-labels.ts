import { Construct } from 'constructs';
import type { NodePool } from '../../config';
import { CustomResource } from '../custom-resource';
import { MIG_DISABLED, migLayoutName } from './private/mig-layout';
import { NODE_LABELS, poolTaint } from '../contract';

/** Rule that places a node in a rack: one per rack, never one per node. */
const RACK_DIGITS = 2;

export interface NodePoolLabelsProps {
  readonly siteId: string;
  readonly pool: NodePool;
  /**
   * Cut the GPUs into the pool's MIG layout; false keeps a partitioned pool's GPUs whole (Phase 1
   * burn-in). @default true when the pool has a MIG layout
   */
  readonly partitioned?: boolean;
  /** Taint the pool's nodes so only pods that ask for the pool land there. @default true */
  readonly taint?: boolean;
}

/**
 * A NodeFeatureRule that labels a pool's nodes with pool, GPU model, rack and block, from the node
 * name (`<prefix>-r<rack>-n<node>`) and the GPU's PCI id, and taints them. A node whose GPU is not
 * the catalogue model gets no pool label, so nothing is scheduled on it until inventory is fixed.
 * Resources grow with pools and racks, never with nodes.
 * @see https://kubernetes-sigs.github.io/node-feature-discovery/v0.19/usage/custom-resources.html#nodefeaturerule
 */
export class NodePoolLabels extends Construct {
  readonly rule: CustomResource;

  constructor(scope: Construct, id: string, props: NodePoolLabelsProps) {
    super(scope, id);
    const { pool } = props;
    if (pool.racks.perBlock > pool.racks.count) {
      throw new Error(`pool ${pool.name}: racks.perBlock ${pool.racks.perBlock} is more than racks.count ${pool.racks.count}`);
    }
    const prefix = pool.nodeNamePrefix ?? pool.name;
    const nodeName = (rack: string) => ({
      feature: 'system.name',
      matchExpressions: { nodename: { op: 'InRegexp', value: [`^${prefix}-r${rack}-n\\d+$`] } },
    });
    const hasLayout = pool.mig.strategy !== 'none';
    const layout = hasLayout && (props.partitioned ?? true) ? migLayoutName(pool) : MIG_DISABLED;

    const poolRule = {
      name: `${pool.name}-pool`,
      labels: {
        [NODE_LABELS.pool]: pool.name,
        [NODE_LABELS.gpu]: pool.gpu.id,
        ...(hasLayout ? { [NODE_LABELS.migConfig]: layout } : {}),
      },
      ...((props.taint ?? true) ? { taints: [poolTaint(pool.name)] } : {}),
      matchFeatures: [
        nodeName('\\d+'),
        {
          feature: 'pci.device',
          matchExpressions: { vendor: { op: 'In', value: [pool.gpu.pci.vendor] }, device: { op: 'In', value: [pool.gpu.pci.device] } },
        },
      ],
    };
    const rackRules = Array.from({ length: pool.racks.count }, (_, i) => {
      const rack = String(i + 1).padStart(RACK_DIGITS, '0');
      const block = Math.floor(i / pool.racks.perBlock) + 1;
      return {
        name: `${pool.name}-rack-${rack}`,
        labels: { [NODE_LABELS.rack]: `${pool.name}-r${rack}`, [NODE_LABELS.block]: `${pool.name}-b${block}` },
        matchFeatures: [nodeName(rack)],
      };
    });

    this.rule = new CustomResource(this, 'rule', {
      siteId: props.siteId,
      apiVersion: 'nfd.k8s-sigs.io/v1alpha1',
      kind: 'NodeFeatureRule',
      metadata: { name: `pool-${pool.name}` },
      spec: { rules: [poolRule, ...rackRules] },
    });
  }
}
