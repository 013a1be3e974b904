import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { PriorityClassV1 } from '@cdktf/provider-kubernetes/lib/priority-class-v1';
import { RuntimeClassV1 } from '@cdktf/provider-kubernetes/lib/runtime-class-v1';
import { parse as parseYaml } from 'yaml';
import type { NodePool, Site } from '../config';
import { GpuOperator, clusterMigStrategy } from '../constructs/gpu/gpu-operator';
import { NodePoolLabels } from '../constructs/gpu/node-pool-labels';
import { NodeFeatureDiscovery } from '../constructs/gpu/node-features';
import { WorkloadClasses } from '../constructs/gpu/workload-classes';
import { ConfigCopy, fleet, manifests, releaseValues, site } from './util';
import { GPUS, migMemorySlices } from '../config/catalogue';

const stackWith = (build: (stack: TerraformStack) => void): TerraformStack => {
  const stack = new TerraformStack(Testing.app(), 'test');
  build(stack);
  return stack;
};
const gpuValues = (s: Site, props: Partial<ConstructorParameters<typeof GpuOperator>[2]> = {}) =>
  releaseValues(stackWith((stack) => new GpuOperator(stack, 'gpu', { site: s, chart: fleet().charts.gpuOperator, ...props })))[
    'gpu-operator'
  ] as Record<string, any>;
const pool = (siteId: string, name: string): NodePool => site(siteId).nodePools.find((p) => p.name === name)!;

describe('GpuOperator', () => {
  test('defaults: the site driver, GPUDirect RDMA, DCGM ServiceMonitor, no MIG manager on unpartitioned sites', () => {
    const values = gpuValues(site('es-barcelona'));
    // GPUDirect RDMA through DMA-BUF: open kernel modules, no nvidia-peermem waiting for the NIC driver.
    expect(values.driver).toEqual({
      enabled: true,
      version: '595.91.07',
      kernelModuleType: 'open',
      rdma: { enabled: false, useHostMofed: false },
    });
    expect(values.nfd).toEqual({ enabled: false });
    expect(values.mig).toEqual({ strategy: 'single' });
    expect(values.migManager.enabled).toBe(false);
    expect(values.dcgmExporter.serviceMonitor).toMatchObject({ enabled: true, honorLabels: false });
    expect(values.validator.plugin.env).toContainEqual({ name: 'WITH_WORKLOAD', value: 'true' });
  });

  test('can be customised: driver version and RDMA', () => {
    const values = gpuValues(site('es-barcelona'), { driverVersion: '580.95.05', legacyPeermem: true });
    expect(values.driver.version).toBe('580.95.05');
    expect(values.driver.rdma.enabled).toBe(true);
  });

  test('a site driver override reaches the chart', () => {
    expect(gpuValues({ ...site('lt-vilnius'), gpuDriverVersion: '570.172.08' }).driver.version).toBe('570.172.08');
  });

  test('builds a MIG layout per partitioned pool from its catalogue profiles', () => {
    const values = gpuValues(site('cz-prague'));
    expect(values.mig.strategy).toBe('mixed');
    expect(values.migManager).toMatchObject({
      enabled: true,
      config: { name: 'factory-mig-layouts', create: true, default: 'all-disabled' },
    });
    const layouts = parseYaml(values.migManager.config.data['config.yaml']);
    expect(layouts['mig-configs']).toEqual({
      'all-disabled': [{ devices: 'all', 'mig-enabled': false }],
      'factory-h100-mig': [{ devices: 'all', 'mig-enabled': true, 'mig-devices': { '3g.40gb': 1, '2g.20gb': 1, '1g.10gb': 2 } }],
    });
    // One profile on every GPU is still advertised per profile: whole-GPU jobs never get a slice.
    expect(gpuValues(site('nl-amsterdam')).mig.strategy).toBe('mixed');
  });

  test('fails when a pool asks for MIG profiles its GPU does not have', () => {
    const cz = site('cz-prague');
    const broken = { ...cz, nodePools: [{ ...pool('cz-prague', 'h100-mig'), gpu: pool('cz-prague', 'h200').gpu }] };
    expect(() => gpuValues(broken)).toThrow(
      'cz-prague pool h100-mig: MIG profiles 3g.40gb, 2g.20gb, 1g.10gb are not supported by H200-SXM-141GB (allowed: 1g.18gb, 1g.35gb, 2g.35gb, 3g.71gb, 4g.71gb, 7g.141gb)',
    );
  });

  test.each([
    ['none', ['none', 'none']],
    ['mixed', ['none', 'single']],
    ['mixed', ['single', 'mixed']],
  ] as const)('cluster MIG strategy is %s for pools %j', (expected, strategies) => {
    expect(clusterMigStrategy({ nodePools: strategies.map((strategy) => ({ ...pool('cz-prague', 'h200'), mig: { strategy } })) })).toBe(
      expected,
    );
  });
});

describe('NodePoolLabels', () => {
  const rulesOf = (p: NodePool, props: { taint?: boolean } = {}) => {
    const [rule] = manifests(stackWith((stack) => new NodePoolLabels(stack, 'labels', { siteId: 'es-barcelona', pool: p, ...props })));
    return (rule.spec as { rules: Record<string, any>[] }).rules;
  };

  test('defaults: one pool rule keyed on node name and GPU PCI id, one rule per rack, a NoSchedule taint', () => {
    const rules = rulesOf(pool('es-barcelona', 'h200'));
    expect(rules).toHaveLength(1 + 12);
    expect(rules[0]).toMatchObject({
      name: 'h200-pool',
      labels: { 'ai-factory.eu/pool': 'h200', 'ai-factory.eu/gpu': 'H200-SXM-141GB' },
      taints: [{ key: 'ai-factory.eu/gpu-pool', value: 'h200', effect: 'NoSchedule' }],
      matchFeatures: [
        { feature: 'system.name', matchExpressions: { nodename: { op: 'InRegexp', value: ['^h200-r\\d+-n\\d+$'] } } },
        { feature: 'pci.device', matchExpressions: { vendor: { op: 'In', value: ['10de'] }, device: { op: 'In', value: ['2335'] } } },
      ],
    });
    // 12 racks, 4 per block: racks 1-4 in block 1, 9-12 in block 3.
    expect(rules[4].labels).toEqual({ 'ai-factory.eu/rack': 'h200-r04', 'ai-factory.eu/block': 'h200-b1' });
    expect(rules[12].labels).toEqual({ 'ai-factory.eu/rack': 'h200-r12', 'ai-factory.eu/block': 'h200-b3' });
    expect(rules[12].matchFeatures[0].matchExpressions.nodename.value).toEqual(['^h200-r12-n\\d+$']);
  });

  test('partitioned pools get the MIG manager label of their layout', () => {
    expect(rulesOf(pool('cz-prague', 'h100-mig'))[0].labels['nvidia.com/mig.config']).toBe('factory-h100-mig');
    expect(rulesOf(pool('cz-prague', 'h200'))[0].labels['nvidia.com/mig.config']).toBeUndefined();
  });

  test('can be customised: node name prefix and no taint', () => {
    const rules = rulesOf({ ...pool('es-barcelona', 'l40s'), nodeNamePrefix: 'bcn-inf' }, { taint: false });
    expect(rules[0].taints).toBeUndefined();
    expect(rules[0].matchFeatures[0].matchExpressions.nodename.value).toEqual(['^bcn-inf-r\\d+-n\\d+$']);
  });

  test('rules grow with racks, never with nodes', () => {
    const h200 = pool('es-barcelona', 'h200');
    expect(rulesOf({ ...h200, nodes: 10 })).toEqual(rulesOf({ ...h200, nodes: 1000 }));
  });

  test('fails when a block holds more racks than the pool has', () => {
    expect(() => rulesOf({ ...pool('es-barcelona', 'h200'), racks: { count: 2, perBlock: 4 } })).toThrow(
      'pool h200: racks.perBlock 4 is more than racks.count 2',
    );
  });
});

describe('NodeFeatureDiscovery', () => {
  test('publishes the fleet and MIG label namespaces and enables taints', () => {
    const values = releaseValues(
      stackWith((stack) => new NodeFeatureDiscovery(stack, 'nfd', { siteId: 'es-barcelona', chart: fleet().charts.nodeFeatureDiscovery })),
    )['node-feature-discovery'] as Record<string, any>;
    expect(values.master).toMatchObject({ extraLabelNs: ['ai-factory.eu', 'nvidia.com'], enableTaints: true });
  });
});

describe('WorkloadClasses', () => {
  test('four ordered PriorityClasses, none the global default; no RuntimeClass (the GPU Operator owns it)', () => {
    const json = Testing.synth(stackWith((stack) => new WorkloadClasses(stack, 'classes', { siteId: 'es-barcelona' })));
    expect(json).not.toHaveResource(RuntimeClassV1);
    const classes = Object.values(JSON.parse(json).resource.kubernetes_priority_class_v1) as {
      metadata: { name: string };
      value: number;
      global_default: boolean;
      preemption_policy: string;
    }[];
    expect(
      classes
        .map((c) => [c.metadata.name, c.value, c.preemption_policy])
        .sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['factory-check', 1_000_000, 'Never'],
      ['factory-system', 1_000_000, 'PreemptLowerPriority'],
      ['factory-production', 10_000, 'PreemptLowerPriority'],
      ['factory-preemptible', 100, 'Never'],
    ]);
    expect(classes.every((c) => c.global_default === false)).toBe(true);
    expect(json).toHaveResource(PriorityClassV1);
  });
});

describe('fleet', () => {
  test('has both a MIG-partitioned and an unpartitioned pool', () => {
    const strategies = fleet().sites.flatMap((s) => s.nodePools.map((p) => p.mig.strategy));
    expect(strategies).toContain('none');
    expect(strategies.some((s) => s !== 'none')).toBe(true);
  });
});

describe('MIG layouts fit a GPU in compute and in memory', () => {
  test('every catalogue profile takes 1, 2, 4 or 8 of the 8 memory slices, and the full profile all 8', () => {
    for (const gpu of Object.values(GPUS)) {
      for (const profile of gpu.migProfiles) {
        expect([1, 2, 4, 8]).toContain(migMemorySlices(profile, gpu.memoryGiB));
        if (profile.startsWith('7g.')) expect(migMemorySlices(profile, gpu.memoryGiB)).toBe(8);
      }
    }
    expect(migMemorySlices('1g.10gb', 80)).toBe(1);
    expect(migMemorySlices('1g.20gb', 80)).toBe(2);
  });

  test('seven 1g.20gb on an 80 GB H100 fit the 7 compute slices but need 14 of 8 memory slices: refused', () => {
    const config = new ConfigCopy().replace(
      'sites/cz.yaml',
      'profiles: { 3g.40gb: 1, 2g.20gb: 1, 1g.10gb: 2 }',
      'profiles: { 1g.20gb: 7 }',
    );
    expect(config.problems()).toContainEqual(
      expect.stringMatching(
        /^config\/sites\/cz\.yaml:\d+:\d+: sites\[0\]\.nodePools\[1\]\.mig\.profiles: layout takes 14 memory slices \(eighths of the 80 GB\), a GPU has 8$/,
      ),
    );
    expect(config.problems().join('\n')).not.toMatch(/compute slices/);
  });
});
