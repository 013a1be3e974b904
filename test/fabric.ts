/** The site's NicClusterPolicy and rail networks built alone, for the fabric tests. */
import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { railPlan, type Site } from '../config';
import { NicClusterPolicy } from '../constructs/fabric/nic-cluster-policy';
import { RailNetworks } from '../constructs/fabric/rail-networks';
import { fleet, manifests } from './util';

export function buildFabric(s: Site) {
  const stack = new TerraformStack(Testing.app(), 'test');
  const rails = railPlan(s);
  new NicClusterPolicy(stack, 'policy', {
    site: s,
    images: fleet().images,
    rails,
  });
  new RailNetworks(stack, 'rails', {
    site: s,
    rails,
    operatorNamespace: 'nvidia-network-operator',
    namespace: 'factory-acceptance',
  });
  const all = manifests(stack);
  const ofKind = (kind: string) =>
    all.filter((m) => m.kind === kind) as {
      metadata: { name: string; namespace?: string };
      // biome-ignore lint/suspicious/noExplicitAny: custom resource specs are read as plain data.
      spec: Record<string, any>;
    }[];
  return { ofKind, policy: ofKind('NicClusterPolicy')[0].spec };
}
