/**
 * Hardware profiles (catalogue systems): what a pool's system drives, the rail ports in rail order,
 * CPUs and memory for the quotas and the inventory's floor, NVLink domains as whole racks.
 */
import { railPlan, type Site } from '../config';
import { SYSTEMS } from '../config/catalogue';
import { ncclEnvironment } from '../constructs/fabric/nccl-settings';
import { buildFabric as build } from './fabric';
import type { Obj } from './site-model/output';
import { buildSites, ConfigCopy, FIXTURE_CONFIG_DIR, loadOrThrow, manifests, site } from './util';

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
