import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { overlaps, parseCidr, railPlan, type Site } from '../config';
import { FabricSettings } from '../constructs/fabric/fabric-settings';
import { ncclEnvironment } from '../constructs/fabric/nccl-settings';
import { GpuOperator } from '../constructs/gpu/gpu-operator';
import { buildFabric as build } from './fabric';
import { ConfigCopy, fleet, releaseValues, site } from './util';

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
