/**
 * The site model over every fixture site and a fleet four times larger: what the scheduler,
 * Kueue, the GPU Operator and Helm would do with the synthesized stacks. Each rule also has a
 * negative test that breaks one thing and names it.
 */
import { Testing } from 'cdktf/lib/testing';
import { parse as parseYaml, stringify } from 'yaml';
import { type Fleet, nvlinkDomainNodes, type Site } from '../config';
import { buildFleet } from '../stacks/fleet';
import {
  admission,
  admissionProblems,
  contentionProblems,
  crdOrderProblems,
  migProblems,
  nodeAgentProblems,
  placementProblems,
  synthesizedSite,
  siteModelProblems,
  tolerates,
  tolerationMatches,
  type SiteOutput,
} from './site-model';
import { fleet } from './util';

type Obj = Record<string, any>;

function outputs(f: Fleet): SiteOutput[] {
  return buildFleet(Testing.app(), f).map(synthesizedSite);
}

/** The fleet with every site copied `times` times (new ids; the model reads one site at a time). */
function scaled(f: Fleet, times: number): Fleet {
  const sites: Site[] = [];
  for (let copy = 0; copy < times; copy++) for (const s of f.sites) sites.push({ ...s, id: copy ? `${s.id}-${copy}` : s.id });
  return { ...f, sites };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const manifests = (stack: Obj) => Object.values(stack.resource.kubernetes_manifest as Obj).map((r: Obj) => r.manifest);
const release = (out: SiteOutput, chart: string) =>
  Object.values(out.foundation.resource.helm_release as Obj).find((r: Obj) => r.chart === chart) as Obj;

describe('site model: Kubernetes taint rules', () => {
  test('matches tolerations to taints as Kubernetes does', () => {
    const taint = { key: 'ai-factory.eu/gpu-pool', value: 'h200', effect: 'NoSchedule' };
    expect(tolerationMatches({ key: 'ai-factory.eu/gpu-pool', operator: 'Exists' }, taint)).toBe(true);
    expect(tolerationMatches({ key: 'ai-factory.eu/gpu-pool', operator: 'Equal', value: 'h200', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(tolerationMatches({ key: 'ai-factory.eu/gpu-pool', value: 'l40s' }, taint)).toBe(false);
    expect(tolerationMatches({ key: 'ai-factory.eu/gpu-pool', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(tolerationMatches({ operator: 'Exists' }, taint)).toBe(true); // empty key + Exists tolerates everything
    expect(tolerationMatches({ key: 'nvidia.com/gpu', operator: 'Exists' }, taint)).toBe(false);
    expect(tolerates([], [{ key: 'x', effect: 'PreferNoSchedule' }])).toBe(true);
    expect(tolerates(undefined, [taint])).toBe(false);
  });
});

describe('site model over the fixture fleet', () => {
  const all = outputs(fleet());

  test.each(all.map((o) => [o.site, o] as const))('%s: every rule holds', (_site, out) => {
    expect(siteModelProblems(out)).toEqual([]);
  });

  test('holds for a fleet four times larger', () => {
    const big = outputs(scaled(fleet(), 4));
    expect(big).toHaveLength(fleet().sites.length * 4);
    expect(big.flatMap(siteModelProblems)).toEqual([]);
  });
});

describe('site model: each rule fails when its behaviour breaks', () => {
  const all = outputs(fleet());
  const withRook = all.find((o) => release(o, 'rook-ceph'))!;
  const phase1 = all.find((o) => !o.tenants)!;
  const partitioned = all.find(
    (o) =>
      o.tenants &&
      manifests(o.platform).some(
        (m) => m.kind === 'NodeFeatureRule' && (m.spec.rules[0].labels['nvidia.com/mig.config'] ?? 'all-disabled') !== 'all-disabled',
      ),
  )!;

  test('a node agent without the pool toleration never reaches the pool', () => {
    const out = clone(withRook);
    const policy = manifests(out.platform).find((m) => m.kind === 'NicClusterPolicy');
    policy.spec.tolerations = [];
    const csi = release(out, 'ceph-csi-drivers');
    // Tolerations only in the operator defaults: the chart's per-driver empty list wins.
    const csiValues = parseYaml(csi.values[0]);
    csiValues.drivers.rbd.nodePlugin.tolerations = [];
    csi.values = [stringify(csiValues)];
    const problems = nodeAgentProblems(out);
    expect(problems).toContainEqual(expect.stringMatching(/NicClusterPolicy .* does not tolerate pool \S+'s taints/));
    expect(problems).toContainEqual(expect.stringMatching(/Ceph CSI node plugin \(rbd\) does not tolerate pool/));
    // Rook 1.20 deploys no CSI driver itself: without the drivers chart, nothing mounts Ceph.
    const noDrivers = clone(withRook);
    for (const [name, r] of Object.entries(noDrivers.foundation.resource.helm_release as Obj))
      if ((r as Obj).chart === 'ceph-csi-drivers') delete noDrivers.foundation.resource.helm_release[name];
    expect(nodeAgentProblems(noDrivers)).toContainEqual(expect.stringMatching(/Ceph CSI drivers \(no ceph-csi-drivers release\)/));
    // The GPU Operator chart default tolerates only nvidia.com/gpu.
    const gpu = clone(withRook);
    const values = release(gpu, 'gpu-operator');
    values.values = [values.values[0].replace(/daemonsets:\n(  .*\n)+/, '')];
    expect(nodeAgentProblems(gpu)).toContainEqual(expect.stringMatching(/GPU Operator operands .* does not tolerate pool/));
  });

  test('a check that selects a pool without its toleration never lands', () => {
    const out = clone(phase1);
    const job = manifests(out.platform).find((m) => m.kind === 'Job' && m.spec.template.spec.nodeSelector?.['ai-factory.eu/pool']);
    job.spec.template.spec.tolerations = [];
    expect(placementProblems(out)).toEqual([
      expect.stringMatching(new RegExp(`Job/factory-acceptance/${job.metadata.name} selects pool \\S+ but does not tolerate its taints`)),
    ]);
  });

  test('a job can stay inside one NVLink domain of a multi-node NVLink pool, and no larger job is admitted there', () => {
    // In Phase 1, where the acceptance queue owns every pool whole.
    const f = fleet();
    const nvlSites = f.sites.filter((s) => s.nodePools.some((p) => nvlinkDomainNodes(p) !== undefined));
    expect(nvlSites.length).toBeGreaterThan(0);
    for (const out of outputs({ ...f, sites: nvlSites.map((s) => ({ ...s, phase: 1 as const })) })) {
      const site = nvlSites.find((s) => s.id === out.site)!;
      for (const pool of site.nodePools.filter((p) => nvlinkDomainNodes(p) !== undefined)) {
        const job = (count: number, level: string) => ({
          name: `Job/factory-acceptance/nvl-${count}`,
          labels: {},
          namespace: 'factory-acceptance',
          queue: 'acceptance',
          count,
          annotations: { 'kueue.x-k8s.io/podset-required-topology': level },
          pod: {
            nodeSelector: { 'ai-factory.eu/pool': pool.name },
            tolerations: [{ key: 'ai-factory.eu/gpu-pool', operator: 'Equal', value: pool.name, effect: 'NoSchedule' }],
            containers: [{ resources: { requests: { 'nvidia.com/gpu': String(pool.gpusPerNode), cpu: '8', memory: '64Gi' } } }],
          },
        });
        const trays = nvlinkDomainNodes(pool)!;
        expect(admission(out, job(trays, 'nvidia.com/gpu.clique'))).toBeUndefined();
        expect(admission(out, job(trays + 1, 'nvidia.com/gpu.clique'))).toBe(
          `it requires one nvidia.com/gpu.clique domain for ${trays + 1} x ${pool.gpusPerNode} GPUs, and one holds ${pool.gpu.scaleUpDomainGpus}`,
        );
        // The pool's topology has no rack level: a job asking for one would wait forever.
        expect(admission(out, job(2, 'ai-factory.eu/rack'))).toBe(
          `it asks for topology level ai-factory.eu/rack, and flavor ${pool.name}-nvlink's topology factory-topology-nvlink has levels ai-factory.eu/block, nvidia.com/gpu.clique, kubernetes.io/hostname`,
        );
      }
    }
  });

  test('a quota too small, a resource not covered, or one podset split over flavors is never admitted', () => {
    const small = clone(phase1);
    const acceptance = manifests(small.platform).find((m) => m.kind === 'ClusterQueue' && m.metadata.name === 'acceptance');
    for (const f of acceptance.spec.resourceGroups[0].flavors)
      for (const r of f.resources) if (r.name === 'nvidia.com/gpu') r.nominalQuota = 8;
    expect(admissionProblems(small)).toContainEqual(
      expect.stringMatching(
        /Kueue never admits Job\/factory-acceptance\/dcgm-diag-\S+: no flavor of ClusterQueue acceptance fits \(.*nvidia\.com\/gpu needs \d+ x \d+ = \d+, nominal 8 \+ borrowable \d+/,
      ),
    );

    const uncovered = clone(phase1);
    const kueue = release(uncovered, 'kueue');
    kueue.values = [kueue.values[0].replace(/excludeResourcePrefixes:[\s\S]*?(\n\s+- nvidia\.com\/rail_)/, 'excludeResourcePrefixes:$1')];
    expect(admissionProblems(uncovered)).toContainEqual(
      expect.stringMatching(
        /Kueue never admits Job\/factory-acceptance\/(rdma-pairs|nccl-allreduce)-\S+: ClusterQueue acceptance covers no rdma\/rdma_rails/,
      ),
    );

    const split = clone(phase1);
    const queue = manifests(split.platform).find((m) => m.kind === 'ClusterQueue' && m.metadata.name === 'acceptance');
    const [group] = queue.spec.resourceGroups;
    const gpuOnly = group.coveredResources.filter((r: string) => r !== 'cpu' && r !== 'memory');
    queue.spec.resourceGroups = [
      {
        coveredResources: gpuOnly,
        flavors: group.flavors.map((f: Obj) => ({ name: f.name, resources: f.resources.filter((r: Obj) => gpuOnly.includes(r.name)) })),
      },
      {
        coveredResources: ['cpu', 'memory'],
        flavors: [
          {
            name: 'cpu-memory',
            resources: [
              { name: 'cpu', nominalQuota: 100000 },
              { name: 'memory', nominalQuota: '100000Gi' },
            ],
          },
        ],
      },
    ];
    expect(admissionProblems(split)).toContainEqual(
      expect.stringMatching(/nccl-allreduce-\S+: topology-placed podset gets several flavors/),
    );
  });

  test('a queue mixing topology-aware and other flavors turns away podsets without a topology annotation', () => {
    const out = clone(phase1);
    manifests(out.platform).push({
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ResourceFlavor',
      metadata: { name: 'cpu-memory' },
      spec: {},
    });
    out.platform.resource.kubernetes_manifest.extra = { manifest: manifests(out.platform).at(-1) };
    const queue = manifests(out.platform).find((m) => m.kind === 'ClusterQueue' && m.metadata.name === 'acceptance');
    const [group] = queue.spec.resourceGroups;
    group.flavors.unshift({ name: 'cpu-memory', resources: group.coveredResources.map((r: string) => ({ name: r, nominalQuota: 0 })) });
    expect(admissionProblems(out)).toContainEqual(
      expect.stringMatching(
        /Kueue never admits Job\/factory-acceptance\/dcgm-diag-\S+: no flavor of ClusterQueue acceptance fits \(.*\S+: topology-aware, and the podset has no topology annotation/,
      ),
    );
  });

  test('pods that spread one per node without GPUs are refused on topology-aware flavors, which would pack them', () => {
    const out = clone(phase1);
    const inventory = manifests(out.platform).find((m) => m.kind === 'Job' && m.metadata.name.startsWith('inventory-'));
    inventory.metadata.labels['kueue.x-k8s.io/queue-name'] = 'acceptance';
    expect(admissionProblems(out)).toEqual([
      expect.stringMatching(
        new RegExp(
          `Kueue never admits Job/factory-acceptance/${inventory.metadata.name}: its pods spread one per node by anti-affinity, but topology-aware flavor \\S+ places them by capacity`,
        ),
      ),
    ]);
  });

  test('fabric or storage checks that may overlap, or a check that bypasses Kueue, are refused', () => {
    const out = clone(phase1);
    const nccl = manifests(out.platform).find((m) => m.kind === 'Job' && m.metadata.name.startsWith('nccl-allreduce-'));
    delete nccl.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    const inventory = manifests(out.platform).find((m) => m.kind === 'Job' && m.metadata.name.startsWith('inventory-'));
    delete inventory.metadata.labels['kueue.x-k8s.io/queue-name'];
    const problems = contentionProblems(out);
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`${nccl.metadata.name} may run at the same time as rdma-pairs-\\S+; they share what they measure`)),
    );
    expect(problems).toContainEqual(`${out.site}: Job/factory-acceptance/${inventory.metadata.name} bypasses Kueue`);
  });

  test('the single MIG strategy or whole GPUs on a partitioned pool are refused', () => {
    const out = clone(partitioned);
    const gpu = release(out, 'gpu-operator');
    gpu.values = [gpu.values[0].replace('strategy: mixed', 'strategy: single')];
    expect(migProblems(out)).toEqual([expect.stringMatching(/runs the single MIG strategy with partitioned pools/)]);
    const queues = clone(partitioned);
    const pool = manifests(queues.platform).find(
      (m) => m.kind === 'NodeFeatureRule' && (m.spec.rules[0].labels['nvidia.com/mig.config'] ?? 'all-disabled') !== 'all-disabled',
    ).spec.rules[0].labels['ai-factory.eu/pool'];
    const academic = manifests(queues.platform).find((m) => m.kind === 'ClusterQueue' && m.metadata.name === 'academic');
    academic.spec.resourceGroups[0].flavors
      .find((f: Obj) => f.name === pool)
      .resources.find((r: Obj) => r.name === 'nvidia.com/gpu').nominalQuota = 8;
    expect(migProblems(queues)).toEqual([
      `${partitioned.site}: ClusterQueue academic offers whole GPUs (nvidia.com/gpu) on partitioned pool ${pool}`,
    ]);
  });

  test("a release using another release's CRDs without depending on it fails on a fresh cluster", () => {
    const out = clone(withRook);
    release(out, 'kueue').depends_on = release(out, 'kueue').depends_on.filter((d: string) => !d.includes('monitoring'));
    release(out, 'network-operator').depends_on = [];
    expect(crdOrderProblems(out)).toEqual([
      `${out.site}: release network-operator creates nfd.k8s-sigs.io objects but is not installed after node-feature-discovery, which brings their CRDs (first deploy on a fresh cluster fails)`,
      `${out.site}: release kueue creates monitoring.coreos.com objects but is not installed after kube-prometheus-stack, which brings their CRDs (first deploy on a fresh cluster fails)`,
    ]);
  });
});
