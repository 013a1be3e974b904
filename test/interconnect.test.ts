import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { overlaps, parseCidr, railPlan, type Site } from '../config';
import { FabricSettings } from '../constructs/fabric/fabric-settings';
import { ncclEnvironment } from '../constructs/fabric/nccl-settings';
import { NicClusterPolicy } from '../constructs/fabric/nic-cluster-policy';
import { RailNetworks } from '../constructs/fabric/rail-networks';
import { GpuOperator } from '../constructs/gpu/gpu-operator';
import { buildSites, ConfigCopy, FIXTURE_CONFIG_DIR, fleet, loadOrThrow, manifests, releaseValues, site } from './util';

import { SYSTEMS } from '../config/catalogue';
import type { Obj } from './site-model/output';

const build = (s: Site) => {
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
      spec: Record<string, any>;
    }[];
  return { ofKind, policy: ofKind('NicClusterPolicy')[0].spec };
};
const withInterconnect = (s: Site, changes: Partial<Site['interconnect']>): Site => ({
  ...s,
  interconnect: { ...s.interconnect, ...changes },
});

describe('NicClusterPolicy', () => {
  test('its DaemonSets (DOCA driver included) run on the rail pools only, never on storage hosts or other nodes', () => {
    // Barcelona: 8-NIC H200 nodes on the rails, 1-NIC L40S serving nodes off them.
    const { policy } = build(site('es-barcelona'));
    const terms = policy.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([{ matchExpressions: [{ key: 'ai-factory.eu/pool', operator: 'In', values: ['h200'] }] }]);
    expect(policy.ofedDriver.image).toBe('doca-driver');
    // A site without rail pools gets no driver container at all (it would reach every node).
    const railless = { ...site('es-barcelona'), nodePools: site('es-barcelona').nodePools.map((p) => ({ ...p, nicsPerNode: 0 })) };
    expect(build(railless).policy.ofedDriver).toBeUndefined();
  });

  test('a site whose hosts keep their own DOCA-OFED gets no driver container, and GPUDirect RDMA uses the host driver', () => {
    const s = withInterconnect(site('nl-amsterdam'), { nicDriver: 'host' });
    expect(build(s).policy.ofedDriver).toBeUndefined();
    const stack = new TerraformStack(Testing.app(), 'gpu');
    new GpuOperator(stack, 'gpu', { site: s, chart: fleet().charts.gpuOperator });
    expect((releaseValues(stack)['gpu-operator'] as Record<string, any>).driver.rdma).toEqual({ enabled: false, useHostMofed: true });
  });

  test('defaults: DOCA driver, RDMA shared device plugin over every rail, Multus and IPoIB on InfiniBand, nv-ipam', () => {
    const { policy } = build(site('es-barcelona'));
    expect(policy.ofedDriver).toMatchObject({
      image: 'doca-driver',
      repository: 'nvcr.io/nvidia/mellanox',
      version: 'doca3.4.1-26.04-1.1.0.0-1',
      upgradePolicy: { maxParallelUpgrades: 1 },
    });
    expect(JSON.parse(policy.rdmaSharedDevicePlugin.config)).toEqual({
      configList: [
        {
          resourceName: 'rdma_rails',
          rdmaHcaMax: 63,
          selectors: {
            vendors: ['15b3'],
            ifNames: ['ib0', 'ib1', 'ib2', 'ib3', 'ib4', 'ib5', 'ib6', 'ib7'],
          },
        },
      ],
    });
    expect(policy.sriovDevicePlugin).toBeUndefined();
    expect(Object.keys(policy.secondaryNetwork).sort()).toEqual(['cniPlugins', 'ipoib', 'multus']);
    expect(policy.nvIpam).toMatchObject({
      image: 'nvidia-k8s-ipam',
      version: 'network-operator-v26.4.1',
    });
  });

  test('RoCE sites get no IPoIB CNI', () => {
    expect(build(site('lt-vilnius')).policy.secondaryNetwork.ipoib).toBeUndefined();
  });

  test('can be customised: SR-IOV device plugin with one resource per rail', () => {
    const { policy, ofKind } = build(withInterconnect(site('lt-vilnius'), { devicePlugin: 'sriov' }));
    expect(policy.rdmaSharedDevicePlugin).toBeUndefined();
    const resources = JSON.parse(policy.sriovDevicePlugin.config).resourceList;
    expect(resources).toHaveLength(8);
    expect(resources[3]).toEqual({
      resourcePrefix: 'nvidia.com',
      resourceName: 'rail_3',
      selectors: { vendors: ['15b3'], isRdma: true, pfNames: ['rail3#0-63'] },
    });
    expect(ofKind('HostDeviceNetwork').map((n) => n.spec.resourceName)).toContain('nvidia.com/rail_3');
  });
});

describe('RailNetworks', () => {
  test('InfiniBand: one IPoIB network and one IP pool per rail, subnets carved without overlap from the rails block', () => {
    const { ofKind } = build(site('cz-prague'));
    const networks = ofKind('IPoIBNetwork');
    const pools = ofKind('IPPool');
    expect(networks.map((n) => n.metadata.name)).toEqual(['rail-0', 'rail-1', 'rail-2', 'rail-3', 'rail-4', 'rail-5', 'rail-6', 'rail-7']);
    expect(networks[2].spec).toEqual({
      networkNamespace: 'factory-acceptance',
      master: 'ib2',
      ipam: '{"type":"nv-ipam","poolName":"rail-2"}',
    });
    expect(pools.map((p) => p.spec.subnet)).toEqual([
      '10.10.0.0/19',
      '10.10.32.0/19',
      '10.10.64.0/19',
      '10.10.96.0/19',
      '10.10.128.0/19',
      '10.10.160.0/19',
      '10.10.192.0/19',
      '10.10.224.0/19',
    ]);
    const block = parseCidr('10.10.0.0/16');
    const subnets = pools.map((p) => parseCidr(p.spec.subnet));
    subnets.forEach((a, i) => {
      expect(a.start >= block.start && a.end <= block.end).toBe(true);
      for (const b of subnets.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    });
  });

  test('IP pools (nv-ipam, no upstream CRD vendored) have the fields nv-ipam reads', () => {
    const [pool] = build(site('es-barcelona')).ofKind('IPPool');
    expect(pool).toMatchObject({
      apiVersion: 'nv-ipam.nvidia.com/v1alpha1',
      metadata: { name: 'rail-0', namespace: 'nvidia-network-operator' },
    });
    expect(Object.keys(pool.spec).sort()).toEqual(['nodeSelector', 'perNodeBlockSize', 'subnet']);
    expect(pool.spec.perNodeBlockSize).toBe(8);
    // Only rail-attached pools: the single-NIC L40S inference nodes stay off the rails.
    expect(pool.spec.nodeSelector).toEqual({
      nodeSelectorTerms: [
        {
          matchExpressions: [{ key: 'ai-factory.eu/pool', operator: 'In', values: ['h200'] }],
        },
      ],
    });
  });

  test('RoCE with the shared plugin: macvlan networks on the rail interfaces, jumbo frames', () => {
    const networks = build(site('pl-warsaw')).ofKind('MacvlanNetwork');
    expect(networks).toHaveLength(4);
    expect(networks[0].spec).toEqual({
      networkNamespace: 'factory-acceptance',
      master: 'rail0',
      mode: 'bridge',
      mtu: 9000,
      ipam: '{"type":"nv-ipam","poolName":"rail-0"}',
    });
  });

  test('can be customised: interface names per rail', () => {
    const names = ['enp1s0', 'enp2s0', 'enp3s0', 'enp4s0'];
    expect(
      build(withInterconnect(site('pl-warsaw'), { railInterfaces: names }))
        .ofKind('MacvlanNetwork')
        .map((n) => n.spec.master),
    ).toEqual(names);
  });

  test('fails when a pool has more rails than NIC ports', () => {
    const pl = site('pl-warsaw');
    const broken = {
      ...pl,
      nodePools: pl.nodePools.map((p) => ({ ...p, rails: 4, nicsPerNode: 2 })),
    };
    expect(() => build(broken)).toThrow('pl-warsaw pool gb200: 4 rails need 4 NIC ports, the pool has 2');
  });

  test('fails when a rail subnet is too small for the pool', () => {
    expect(() =>
      build(
        withInterconnect(site('es-barcelona'), {
          addressPlan: {
            ...site('es-barcelona').interconnect.addressPlan,
            rails: '10.40.0.0/24',
          },
        }),
      ),
    ).toThrow('es-barcelona: rail subnets of 30 addresses cannot hold the 768 the rail nodes need');
  });
});

describe('NCCL settings', () => {
  test('InfiniBand: exact HCA list, no GID index', () => {
    expect(ncclEnvironment(site('cz-prague'), railPlan(site('cz-prague')))).toEqual({
      NCCL_IB_HCA: '=mlx5_0,mlx5_1,mlx5_2,mlx5_3,mlx5_4,mlx5_5,mlx5_6,mlx5_7',
      NCCL_SOCKET_IFNAME: 'eth0',
      NCCL_CROSS_NIC: '0',
      NCCL_IB_DISABLE: '0',
    });
  });

  test('RoCE: no pinned GID index (macvlan moves it; NCCL finds the RoCE v2 GID), the lossless traffic class, HCAs as configured', () => {
    const pl = withInterconnect(site('pl-warsaw'), {
      railHcas: ['mlx5_4', 'mlx5_5', 'mlx5_6', 'mlx5_7'],
    });
    const env = ncclEnvironment(pl, railPlan(pl));
    expect(env).toMatchObject({ NCCL_IB_HCA: '=mlx5_4,mlx5_5,mlx5_6,mlx5_7', NCCL_IB_TC: '106' });
    expect(env).not.toHaveProperty('NCCL_IB_GID_INDEX');
    const marked = withInterconnect(pl, { roce: { trafficClass: 98, pfcPriority: 4, ecn: true } });
    expect(ncclEnvironment(marked, railPlan(marked)).NCCL_IB_TC).toBe('98');
  });

  test('sites with multi-node NVLink pools turn NCCL’s multi-node NVLink off until pods get IMEX channels', () => {
    const pl = site('pl-warsaw');
    expect(ncclEnvironment(pl, railPlan(pl)).NCCL_MNNVL_ENABLE).toBe('0');
    const cz = site('cz-prague');
    expect(ncclEnvironment(cz, railPlan(cz))).not.toHaveProperty('NCCL_MNNVL_ENABLE');
  });
});

describe('FabricSettings', () => {
  test('publishes NCCL settings and the WAN uplinks with their accepted minimum, also as an output', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const cz = site('cz-prague');
    new FabricSettings(stack, 'fabric', {
      site: cz,
      rails: railPlan(cz),
      namespace: 'factory-acceptance',
    });
    const json = Testing.synth(stack);
    expect(json).toHaveResourceWithProperties(ConfigMapV1, {
      metadata: expect.objectContaining({
        name: 'nccl-settings',
        namespace: 'factory-acceptance',
      }),
    });
    const uplinks = JSON.parse(
      (
        Object.values(JSON.parse(json).resource.kubernetes_config_map_v1) as {
          data: Record<string, string>;
        }[]
      ).find((c) => c.data['uplinks.json'])!.data['uplinks.json'],
    );
    expect(uplinks).toEqual([
      {
        name: 'cesnet',
        peer: 'CESNET',
        gbps: 400,
        endpoint: '192.0.2.20',
        minGbps: 320,
      },
      {
        name: 'geant',
        peer: 'GEANT',
        gbps: 100,
        endpoint: '192.0.2.21',
        minGbps: 80,
      },
    ]);
    expect(Object.values(JSON.parse(json).output)[0]).toMatchObject({
      value: uplinks,
    });
  });
});

describe('fabric config checks', () => {
  test('fail on more rails than NIC ports, interface lists of the wrong length, and too-small rail blocks', () => {
    const config = new ConfigCopy()
      .replace('sites/es.yaml', '        nicsPerNode: 1\n', '        nicsPerNode: 1\n        rails: 8\n')
      .replace('sites/pl.yaml', '      railsPerNode: 4\n', '      railsPerNode: 4\n      railInterfaces: [rail0, rail1]\n')
      .replace('sites/ro.yaml', 'rails: 10.60.0.0/16', 'rails: 10.60.0.0/22');
    expect(config.problems()).toMatchInlineSnapshot(`
      [
        "config/sites/es.yaml:28:16: sites[0].nodePools[1].rails: 8 rails need 8 NIC ports, the pool has nicsPerNode 1",
        "config/sites/pl.yaml:38:23: sites[0].interconnect.railInterfaces: lists 2 entries for 4 rails (allowed: exactly one per rail)",
        "config/sites/ro.yaml:33:29: sites[0].interconnect.addressPlan.rails: "10.60.0.0/22" split into 8 rails gives /25 subnets of 126 addresses; the rail nodes need 384 (48 nodes x 8); use a larger block",
      ]
    `);
  });
});

describe('fleet', () => {
  test('has InfiniBand and RoCE sites', () => {
    expect(new Set(fleet().sites.map((s) => s.interconnect.fabric))).toEqual(new Set(['infiniband', 'roce']));
  });
});

test('RoCE settings on an InfiniBand site are a config error', () => {
  const config = new ConfigCopy().replace(
    'sites/cz.yaml',
    '      fabric: infiniband',
    '      fabric: infiniband\n      roce: { trafficClass: 106 }',
  );
  expect(config.problems()).toContainEqual(
    expect.stringMatching(
      /^config\/sites\/cz\.yaml:\d+:\d+: sites\[0\]\.interconnect\.roce: is set but the fabric is infiniband \(RoCE settings apply to fabric: roce only\)$/,
    ),
  );
});

describe('hardware profiles', () => {
  const dgx = (s: Site, system: 'DGX-H100' | 'DGX-H200'): Site => ({
    ...s,
    nodePools: s.nodePools.map((p) => (p.gpu.id === SYSTEMS[system].gpu && p.gpusPerNode === 8 ? { ...p, system: SYSTEMS[system] } : p)),
  });

  test('a DGX pool takes its compute ports in rail order: not contiguous, storage ports left out', () => {
    const cz = dgx(site('cz-prague'), 'DGX-H100');
    const plan = railPlan(cz);
    expect(plan.rails.map((r) => r.hca)).toEqual(['mlx5_0', 'mlx5_3', 'mlx5_4', 'mlx5_5', 'mlx5_6', 'mlx5_9', 'mlx5_10', 'mlx5_11']);
    expect(plan.rails.map((r) => r.interfaceName)).toEqual([
      'ibp24s0',
      'ibp64s0',
      'ibp79s0',
      'ibp94s0',
      'ibp154s0',
      'ibp192s0',
      'ibp206s0',
      'ibp220s0',
    ]);
    expect(ncclEnvironment(cz, plan).NCCL_IB_HCA).toBe('=mlx5_0,mlx5_3,mlx5_4,mlx5_5,mlx5_6,mlx5_9,mlx5_10,mlx5_11');
    // The rail networks and the RDMA device plugin's selectors follow.
    const { ofKind, policy } = build(cz);
    expect(ofKind('IPoIBNetwork').map((n) => n.spec.master)).toEqual(plan.rails.map((r) => r.interfaceName));
    expect(JSON.stringify(policy)).toContain('ibp220s0');
  });

  test('on RoCE a DGX pool takes the ports’ Ethernet names (enp…np0), not their InfiniBand ones', () => {
    const lt = dgx(site('lt-vilnius'), 'DGX-H200');
    expect(lt.nodePools.some((p) => p.system)).toBe(true);
    expect(lt.interconnect.fabric).toBe('roce');
    const plan = railPlan(lt);
    expect(plan.rails[0]).toMatchObject({ hca: 'mlx5_0', interfaceName: 'enp24s0np0' });
    expect(plan.rails.every((r) => /^enp\d+s0np0$/.test(r.interfaceName))).toBe(true);
  });

  test('the loader refuses rail lists that name a DGX storage port, and a pool whose GPUs are not its system’s', () => {
    const config = new ConfigCopy()
      .replace('sites/cz.yaml', '        gpu: H100-SXM-80GB', '        system: DGX-H200\n        gpu: H100-SXM-80GB')
      .replace(
        'sites/cz.yaml',
        '      railsPerNode: 8',
        '      railsPerNode: 8\n      railHcas: [mlx5_0, mlx5_1, mlx5_2, mlx5_3, mlx5_4, mlx5_5, mlx5_6, mlx5_7]',
      );
    const problems = config.problems().join('\n');
    expect(problems).toMatch(/sites\[0\]\.nodePools\[1\]\.gpu: "H100-SXM-80GB" is not the GPU of DGX-H200 \(allowed: H200-SXM-141GB\)/);
    expect(problems).toMatch(
      /sites\[0\]\.interconnect\.railHcas: mlx5_0, mlx5_1, .* are not the compute ports of pool \S+'s DGX-H200 in rail order \(allowed: mlx5_0, mlx5_3, mlx5_4, mlx5_5, mlx5_6, mlx5_9, mlx5_10, mlx5_11; mlx5_1, mlx5_2, mlx5_7 are storage or in-band ports\)/,
    );
  });

  test('a DGX GB200 tray rails on its ConnectX-7 ports, never the BlueField-3 ports between them', () => {
    const dgxTray = () =>
      new ConfigCopy().replace('sites/pl.yaml', '        gpu: GB200-NVL72', '        system: DGX-GB200-tray\n        gpu: GB200-NVL72');
    const pl = loadOrThrow(dgxTray().dir).sites.find((s) => s.id === 'pl-warsaw')!;
    const plan = railPlan(pl);
    expect(plan.rails.map((r) => r.hca)).toEqual(['mlx5_0', 'mlx5_1', 'mlx5_4', 'mlx5_5']);
    // The guide names no interfaces: the RoCE defaults stay.
    expect(plan.rails.map((r) => r.interfaceName)).toEqual(['rail0', 'rail1', 'rail2', 'rail3']);
    const bf3 = dgxTray().replace(
      'sites/pl.yaml',
      '      railsPerNode: 4',
      '      railsPerNode: 4\n      railHcas: [mlx5_0, mlx5_1, mlx5_2, mlx5_3]',
    );
    expect(bf3.problems().join('\n')).toMatch(
      /railHcas: mlx5_0, mlx5_1, mlx5_2, mlx5_3 are not the compute ports of pool gb200's DGX-GB200-tray in rail order \(allowed: mlx5_0, mlx5_1, mlx5_4, mlx5_5; mlx5_2, mlx5_3 are storage or in-band ports\)/,
    );
    const named = dgxTray().replace(
      'sites/pl.yaml',
      '      railsPerNode: 4',
      '      railsPerNode: 4\n      railInterfaces: [eth1, eth2, eth3, eth4]',
    );
    expect(named.problems()).toEqual([]);
  });

  test('a GPU count that does not divide the NVLink domain, or a pool named like a flavor, is refused', () => {
    const five = new ConfigCopy().replace(
      'sites/pl.yaml',
      '        gpusPerNode: 4\n        nodes: 72',
      '        gpusPerNode: 5\n        nodes: 72',
    );
    expect(five.problems().join('\n')).toMatch(
      /nodePools\[0\]\.gpusPerNode: 5 GPUs per node do not divide GB200-NVL72's NVLink domain of 72 GPUs \(allowed: a divisor, e\.g\. 4 per tray\)/,
    );
    const named = new ConfigCopy().replace('sites/pl.yaml', '      - name: h100-mig', '      - name: gb200-nvlink');
    expect(named.problems().join('\n')).toMatch(
      /nodePools\[1\]\.name: "gb200-nvlink" ends in "-nvlink", which names the pools' Kueue flavors/,
    );
  });

  test('a multi-node NVLink pool is whole racks of one domain each: 70 trays in 4 racks are refused', () => {
    const short = new ConfigCopy().replace('sites/pl.yaml', '        nodes: 72\n', '        nodes: 70\n');
    expect(short.problems().join('\n')).toMatch(
      /sites\/pl\.yaml:\d+:\d+: sites\[0\]\.nodePools\[0\]\.nodes: 70 GB200-NVL72 nodes in 4 racks: one NVLink domain is a rack of 18 nodes \(72 GPUs\), so the pool must be racks\.count x 18 = 72 nodes \(allowed: whole racks\)/,
    );
    const fiveRacks = new ConfigCopy().replace('sites/pl.yaml', 'racks: { count: 4, perBlock: 4 }', 'racks: { count: 5, perBlock: 4 }');
    expect(fiveRacks.problems().join('\n')).toMatch(/72 GB200-NVL72 nodes in 5 racks: .* must be racks\.count x 18 = 90 nodes/);
    // 8-GPU boards end their NVLink domain at the node: any rack size passes.
    const h100 = new ConfigCopy().replace('sites/pl.yaml', '        nodes: 8\n', '        nodes: 7\n');
    expect(h100.problems().join('\n')).not.toMatch(/NVLink domain/);
  });

  test('CPUs (hardware threads, as the kubelet counts) and memory come from the pool, else its system, else the documented guess; quotas count them less the reservation', () => {
    const f = loadOrThrow(FIXTURE_CONFIG_DIR);
    const cz = f.sites.find((s) => s.id === 'cz-prague')!;
    expect(cz.nodePools[0]).toMatchObject({ cpusPerNode: 112, memoryGiBPerNode: 2048, allocatable: { cpus: 104, memoryGiB: 1922 } });
    const systems = new ConfigCopy()
      .replace('sites/pl.yaml', '        gpu: GB200-NVL72', '        system: GB200-NVL72-tray\n        gpu: GB200-NVL72')
      .replace('sites/cz.yaml', '        gpu: H100-SXM-80GB', '        system: DGX-H100\n        gpu: H100-SXM-80GB')
      .replace('fleet.yaml', '  nic: ConnectX-7-400G\n', '  nic: ConnectX-7-400G\n  nodeReserved: { cpus: 4, memoryGiB: 32 }\n');
    const loaded = loadOrThrow(systems.dir);
    const pl = loaded.sites.find((s) => s.id === 'pl-warsaw')!;
    // Grace: 144 cores, one thread each.
    expect(pl.nodePools.find((p) => p.gpu.id === 'GB200-NVL72')).toMatchObject({
      cpusPerNode: 144,
      memoryGiBPerNode: 894,
      allocatable: { cpus: 140, memoryGiB: 835 },
    });
    // DGX H100: 2 x 56 Xeon cores with Hyper-Threading.
    const dgx = loaded.sites.find((s) => s.id === 'cz-prague')!.nodePools.find((p) => p.system?.id === 'DGX-H100')!;
    expect(dgx).toMatchObject({ cpusPerNode: 224, allocatable: { cpus: 220, memoryGiB: 1954 } });
    // The queues never hand out more than that per node, and the inventory checks each node allows it.
    const platform = manifests(buildSites(loaded).find((x) => x.site.id === 'cz-prague')!.platform) as Obj[];
    const flavorOf = (q: Obj) => q.spec.resourceGroups[0].flavors.find((x: Obj) => x.name === dgx.name);
    const counted = (resource: string) =>
      platform
        .filter((m) => m.kind === 'ClusterQueue' && m.metadata.name !== 'acceptance-spread')
        .reduce((sum, q) => sum + parseFloat(String(flavorOf(q).resources.find((r: Obj) => r.name === resource).nominalQuota)), 0);
    expect(counted('cpu')).toBeLessThanOrEqual(dgx.nodes * 220);
    expect(counted('memory')).toBeLessThanOrEqual(dgx.nodes * 1954);
    const inventory = platform.find((m) => m.metadata.name === `inventory-${dgx.name}`)!;
    const env = (inventory.kind === 'CronJob' ? inventory.spec.jobTemplate.spec : inventory.spec).template.spec.containers[0].env;
    expect(Object.fromEntries(env.filter((e: Obj) => e.name.startsWith('MIN_')).map((e: Obj) => [e.name, e.value]))).toMatchObject({
      MIN_CPUS: '220',
      MIN_MEMORY_GIB: '1954',
    });
    // A guessed node size is not held against delivered nodes.
    const guessed = platform.find((m) => m.metadata.name === `inventory-${cz.nodePools[0].name}`)!;
    const guessedEnv = (guessed.kind === 'CronJob' ? guessed.spec.jobTemplate.spec : guessed.spec).template.spec.containers[0].env;
    expect(guessedEnv.filter((e: Obj) => e.name.startsWith('MIN_') && e.name !== 'MIN_MEMLOCK_KIB')).toEqual([
      { name: 'MIN_CPUS', value: '' },
      { name: 'MIN_MEMORY_GIB', value: '' },
    ]);
  });

  test('a reservation that leaves pods nothing is refused', () => {
    const greedy = new ConfigCopy().replace(
      'fleet.yaml',
      '  nic: ConnectX-7-400G\n',
      '  nic: ConnectX-7-400G\n  nodeReserved: { cpus: 64, memoryGiB: 1024 }\n',
    );
    const small = greedy.replace(
      'sites/cz.yaml',
      '        nicsPerNode: 8\n        racks: { count: 2',
      '        nicsPerNode: 8\n        cpusPerNode: 48\n        racks: { count: 2',
    );
    expect(small.problems().join('\n')).toMatch(
      /sites\/cz\.yaml:\d+:\d+: sites\[0\]\.nodePools\[1\]: pool h100-mig: nodes of 48 CPUs and 2048 GiB leave pods nothing after the fleet's defaults\.nodeReserved/,
    );
  });
});
