import { Testing } from 'cdktf/lib/testing';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROGRAMMES, siteGpus } from '../config';
import { HEALTH_CHECK_SCHEDULES, gpuPerfThresholds } from '../constructs/acceptance/acceptance-checks';
import { gpuResources, migActive } from '../constructs/gpu/gpu-resources';
import { splitProportionally } from '../constructs/scheduling/private/quota-split';
import { kueueConfiguration } from '../constructs/scheduling/kueue';
import { poolFlavor } from '../constructs/scheduling/kueue-queues';
import { deployOrder, type SiteStacks } from '../stacks/fleet';
import { rolloutPlan } from '../tools/rollout';
import { ConfigCopy, buildSites, fleet, manifests, releaseValues, resources, site } from './util';

type M = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: any;
};
const all = buildSites();
const stacksOf = (id: string): SiteStacks => all.find((s) => s.site.id === id)!;
const platform = (id: string) => manifests(stacksOf(id).platform) as M[];
const podSpecOf = (m: M) => (m.kind === 'CronJob' ? m.spec.jobTemplate.spec : m.spec).template.spec;
const containerEnv = (m: M) =>
  Object.fromEntries(
    podSpecOf(m)
      .containers[0].env.filter((e: { value?: string }) => e.value !== undefined)
      .map((e: { name: string; value: string }) => [e.name, e.value]),
  );

describe('Phase 1: acceptance jobs', () => {
  const jobs = platform('pl-warsaw').filter((m) => m.kind === 'Job');

  test('a phase 1 site has no tenants stack and one-off acceptance Jobs, no CronJobs', () => {
    expect(stacksOf('pl-warsaw').tenants).toBeUndefined();
    expect(platform('pl-warsaw').filter((m) => m.kind === 'CronJob')).toEqual([]);
    // Phase 1 burns in every pool, MIG pools with whole GPUs.
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual([
      'dcgm-diag-gb200',
      'dcgm-diag-h100-mig',
      'gpu-perf-gb200',
      'gpu-perf-h100-mig',
      'inventory-gb200',
      'inventory-h100-mig',
      'nccl-allreduce-gb200',
      'nccl-allreduce-h100-mig',
      'rdma-pairs-gb200',
      'rdma-pairs-h100-mig',
      'storage-checkpoints',
      'storage-datasets',
      'storage-scratch',
      'wan-pionier',
    ]);
  });

  test('thresholds come from the site config', () => {
    const byName = (name: string) => jobs.find((j) => j.metadata.name === name)!;
    expect(containerEnv(byName('nccl-allreduce-gb200')).MIN_BUSBW_GBPS).toBe('160');
    expect(byName('nccl-allreduce-gb200').metadata.annotations).toEqual({
      'ai-factory.eu/threshold': 'all-reduce bus bandwidth >= 160 GB/s across 72 nodes',
    });
    expect(containerEnv(byName('dcgm-diag-gb200')).DCGM_LEVEL).toBe('3');
    expect(containerEnv(byName('rdma-pairs-gb200'))).toMatchObject({ MIN_GBPS: '360', RAIL_HCAS: 'mlx5_0 mlx5_1 mlx5_2 mlx5_3' });
    expect(containerEnv(byName('wan-pionier'))).toMatchObject({ ENDPOINT: '198.51.100.20', MIN_GBPS: '320', CONTRACT_GBPS: '400' });
    expect(containerEnv(byName('inventory-gb200'))).toMatchObject({ GPU_MODEL: 'GB200', EXPECTED_GPUS: '4', EXPECTED_NICS: '4' });
    expect(containerEnv(byName('storage-datasets'))).toMatchObject({ TIER: 'datasets', MIN_GBPS: '2.5' });
  });

  test('per-GPU performance thresholds sit below what a healthy GPU sustains, never at datasheet peak', () => {
    const h200 = site('es-barcelona').nodePools[0];
    // An H200 sustains ~790 TFLOP/s BF16 (80% of 989) and ~4.3 TB/s copy (90% of 4.8); the check asks 90% of that.
    expect(gpuPerfThresholds(h200, 0.9)).toEqual({ minTflops: 712.1, minTBps: 3.89 });
    expect(gpuPerfThresholds(h200, 0.9).minTflops).toBeLessThan(790);
    expect(containerEnv(jobs.find((j) => j.metadata.name === 'gpu-perf-gb200')!)).toMatchObject({ MIN_TFLOPS: '1575', MIN_TBPS: '6.12' });
  });

  test('per-node checks run once on every node of the pool without a resource per node', () => {
    const inventory = jobs.find((j) => j.metadata.name === 'inventory-gb200')!;
    expect(inventory.spec).toMatchObject({ completionMode: 'Indexed', completions: 72, parallelism: 72, backoffLimit: 0, suspend: true });
    expect(podSpecOf(inventory).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe(
      'kubernetes.io/hostname',
    );
    expect(podSpecOf(inventory).nodeSelector).toEqual({ 'ai-factory.eu/pool': 'gb200' });
  });

  test('the NCCL check spans the pool over the rail networks with RDMA devices', () => {
    const nccl = jobs.find((j) => j.metadata.name === 'nccl-allreduce-gb200')!;
    expect(nccl.spec.template.metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBe('rail-0,rail-1,rail-2,rail-3');
    expect(podSpecOf(nccl).subdomain).toBe('nccl-allreduce-gb200');
    expect(podSpecOf(nccl).containers[0].resources.limits).toMatchObject({ 'nvidia.com/gpu': '4', 'rdma/rdma_rails': '1' });
    expect(podSpecOf(nccl).containers[0].envFrom).toEqual([{ configMapRef: { name: 'nccl-settings' } }]);
  });

  test('every check but the WAN test is admitted through the acceptance queue, has a deadline, sets resources, and adds only the capabilities it needs', () => {
    const allChecks = all.flatMap((s) => manifests(s.platform) as M[]).filter((m) => m.kind === 'Job' || m.kind === 'CronJob');
    expect(allChecks.length).toBeGreaterThan(40);
    for (const check of allChecks) {
      if (check.metadata.name.startsWith('wan-')) {
        // Host network of the uplink's gateway, outside Kueue: a pool flavor would pin it to a pool.
        expect(check.metadata.labels!['kueue.x-k8s.io/queue-name']).toBeUndefined();
        expect(podSpecOf(check)).toMatchObject({ hostNetwork: true, nodeSelector: { 'ai-factory.eu/uplink': expect.any(String) } });
      } else {
        // Checks that take GPUs go through the topology-aware queue; one pod per node without
        // GPUs (inventory, RDMA pairs, storage clients) through the spread queue.
        const spread = /^(inventory|rdma-pairs|storage)-/.test(check.metadata.name);
        expect(check.metadata.labels).toMatchObject({
          'kueue.x-k8s.io/queue-name': spread ? 'acceptance-spread' : 'acceptance',
          'kueue.x-k8s.io/priority-class': 'acceptance',
        });
      }
      const job = check.kind === 'CronJob' ? check.spec.jobTemplate.spec : check.spec;
      expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
      for (const container of podSpecOf(check).containers) {
        expect(container.resources.requests).toEqual(container.resources.limits);
        expect(Object.keys(container.resources.limits)).toEqual(expect.arrayContaining(['cpu', 'memory']));
        expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(container.securityContext.privileged).toBeUndefined();
        expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
        const added: string[] = container.securityContext.capabilities.add ?? [];
        // IPC_LOCK: RDMA memory registration; SYS_ADMIN: DCGM diagnostics. Nothing else.
        const expected = check.metadata.name.startsWith('dcgm-diag')
          ? ['SYS_ADMIN']
          : /^(nccl|rdma)/.test(check.metadata.name)
            ? ['IPC_LOCK']
            : [];
        expect(added).toEqual(expected);
        if (expected.length === 0) expect(container.securityContext.runAsNonRoot).toBe(true);
        expect(container.image).not.toMatch(/:latest$/);
      }
    }
  });

  test('storage checks use ephemeral volumes, so no claim outlives a check', () => {
    const storage = jobs.find((j) => j.metadata.name === 'storage-scratch')!;
    expect(podSpecOf(storage).volumes[1].ephemeral.volumeClaimTemplate.spec.storageClassName).toBe('scratch');
    // Retained tiers are tested through their Delete twin, on GPU nodes.
    const datasets = jobs.find((j) => j.metadata.name === 'storage-datasets')!;
    expect(podSpecOf(datasets).volumes[1].ephemeral.volumeClaimTemplate.spec.storageClassName).toBe('datasets-check');
    expect(podSpecOf(datasets).nodeSelector).toEqual({ 'ai-factory.eu/pool': expect.any(String) });
    expect(Object.keys(resources(stacksOf('pl-warsaw').platform)).filter((t) => t.includes('persistent_volume_claim'))).toEqual([]);
  });
});

describe('Phase 2: production', () => {
  test('acceptance checks become CronJobs with the same thresholds', () => {
    const checks = platform('es-barcelona').filter((m) => m.kind === 'CronJob');
    expect(platform('es-barcelona').filter((m) => m.kind === 'Job')).toEqual([]);
    const nccl = checks.find((c) => c.metadata.name === 'nccl-allreduce-h200')!;
    expect(nccl.spec).toMatchObject({
      schedule: HEALTH_CHECK_SCHEDULES.nccl,
      concurrencyPolicy: 'Replace',
      jobTemplate: { metadata: { labels: { 'kueue.x-k8s.io/queue-name': 'acceptance' } } },
    });
    expect(containerEnv(nccl).MIN_BUSBW_GBPS).toBe('350');
    // Weekly on the two nodes the health-check reserve holds, not the whole pool.
    expect(nccl.spec.jobTemplate.spec.completions).toBe(2);
    expect(nccl.metadata.annotations!['ai-factory.eu/threshold']).toBe('all-reduce bus bandwidth >= 350 GB/s across 2 nodes');
  });

  test.each(
    fleet()
      .sites.filter((s) => s.phase === 2)
      .map((s) => [s.id]),
  )('%s: every tenant namespace audits restricted under the tenant guard, denied by default, under quota and queued', (id) => {
    const tenants = stacksOf(id).tenants!;
    const synth = resources(tenants);
    const policies = Object.values(synth.kubernetes_network_policy_v1) as {
      metadata: { name: string; namespace: string };
      spec: { pod_selector: object; policy_types: string[] };
    }[];
    const quotas = Object.values(synth.kubernetes_resource_quota_v1) as {
      metadata: { namespace: string };
      spec: { hard: Record<string, string> };
    }[];
    const queues = (manifests(tenants) as M[]).filter((m) => m.kind === 'LocalQueue');
    const namespaces = (
      Object.values(synth.kubernetes_namespace_v1) as { metadata: { name: string; labels: Record<string, string> } }[]
    ).filter((n) => 'ai-factory.eu/tenant' in n.metadata.labels);
    expect(namespaces).toHaveLength(site(id).tenants.length);
    for (const tenant of site(id).tenants) {
      const ns = namespaces.find((n) => n.metadata.name === tenant.name)!;
      // Enforced by the guard (restricted plus IPC_LOCK), which Pod Security cannot express.
      expect(ns.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'ai-factory.eu/tenant': tenant.name,
        'ai-factory.eu/programme': tenant.programme,
      });
      const token = (namespace: string) => namespace.includes(`tenant-${tenant.name}_namespace`);
      expect(
        policies.some(
          (p) => token(p.metadata.namespace) && p.metadata.name === 'default-deny' && p.spec.policy_types.join() === 'Ingress,Egress',
        ),
      ).toBe(true);
      expect(quotas.find((q) => token(q.metadata.namespace))!.spec.hard['requests.nvidia.com/gpu']).toBe(String(tenant.gpus));
      expect(queues.find((q) => token(q.metadata.namespace!))!.spec).toEqual({ clusterQueue: tenant.programme });
    }
  });

  test('tenant network policies allow only DNS, the own namespace, monitoring scrapes and the object gateway (model servers: the inference gateway)', () => {
    const names = (id: string) =>
      [
        ...new Set(
          Object.values(resources(stacksOf(id).tenants!).kubernetes_network_policy_v1).map((p) => (p.metadata as { name: string }).name),
        ),
      ].sort();
    const base = ['allow-dns', 'allow-monitoring-scrape', 'allow-same-namespace', 'default-deny'];
    // Ceph sites reach the in-cluster object gateway; Amsterdam's object service is outside the cluster.
    expect(names('nl-amsterdam')).toEqual(base);
    expect(names('cz-prague')).toEqual(['allow-object-gateway', ...base].sort());
    expect(names('es-barcelona')).toEqual(['allow-inference-gateway', 'allow-object-gateway', ...base].sort());
  });

  test('tenant groups get a namespaced Role, never cluster-wide rights', () => {
    for (const stacks of all) {
      for (const stack of deployOrder(stacks)) {
        const synth = resources(stack);
        // Only the platform's own ServiceAccounts (the inventory's node reader) are bound cluster-wide.
        const clusterWide = Object.values(synth.kubernetes_cluster_role_binding_v1 ?? {}) as { subject: { kind: string }[] }[];
        for (const binding of clusterWide) expect(binding.subject.map((s) => s.kind)).toEqual(['ServiceAccount']);
        if (stack === stacks.tenants) expect(clusterWide).toEqual([]);
        expect(synth.kubernetes_cluster_role_binding).toBeUndefined();
      }
    }
    const bindings = Object.values(resources(stacksOf('es-barcelona').tenants!).kubernetes_role_binding_v1) as {
      role_ref: { kind: string };
      subject: { kind: string; name: string }[];
    }[];
    expect(bindings.map((b) => [b.role_ref.kind, b.subject[0].kind, b.subject[0].name]).sort()).toEqual([
      ['Role', 'Group', 'bsc-ls-users'],
      ['Role', 'Group', 'mobility-users'],
      ['Role', 'Group', 'sme-0001-users'],
      ['Role', 'Group', 'upc-nlp-users'],
    ]);
  });

  test('tenant quotas give CPU, memory and storage in proportion to the GPU share', () => {
    const synth = resources(stacksOf('es-barcelona').tenants!);
    const quota = (
      Object.values(synth.kubernetes_resource_quota_v1) as { metadata: { namespace: string }; spec: { hard: Record<string, string> } }[]
    ).find((q) => q.metadata.namespace.includes('tenant-upc-nlp_'))!.spec.hard;
    // upc-nlp holds 64 of Barcelona's 960 GPUs.
    expect(quota).toMatchObject({
      'requests.nvidia.com/gpu': '64',
      // The guess, 14 CPUs per GPU, less the 8 each node keeps: 96 H200 nodes of 112, 48 L40S nodes of 56.
      'requests.cpu': String(Math.floor(((96 * (112 - 8) + 48 * (56 - 8)) * 64) / 960)),
      'datasets.storageclass.storage.k8s.io/requests.storage': `${Math.floor((6000 * 64 * 1000) / 960)}G`,
    });
  });
});

describe('Kueue', () => {
  const cz = platform('cz-prague');

  test('a ResourceFlavor per GPU pool, on the topology block > rack > host', () => {
    expect(
      cz
        .filter((m) => m.kind === 'ResourceFlavor')
        .map((f) => f.metadata.name)
        .sort(),
    ).toEqual(['h100-mig', 'h100-mig-spread', 'h200', 'h200-spread']);
    expect(cz.find((m) => m.kind === 'ResourceFlavor' && m.metadata.name === 'h200')!.spec).toMatchObject({
      nodeLabels: { 'ai-factory.eu/pool': 'h200' },
      topologyName: 'factory-topology',
    });
    expect(cz.find((m) => m.kind === 'Topology')!.spec.levels).toEqual([
      { nodeLabel: 'ai-factory.eu/block' },
      { nodeLabel: 'ai-factory.eu/rack' },
      { nodeLabel: 'kubernetes.io/hostname' },
    ]);
  });

  test('a pool whose NVLink domain spans nodes gets its own flavor on a topology with the domain as a level', () => {
    const pl = platform('pl-warsaw');
    const topologies = Object.fromEntries(pl.filter((m) => m.kind === 'Topology').map((t) => [t.metadata.name, t.spec.levels]));
    expect(topologies['factory-topology-nvlink']).toEqual([
      { nodeLabel: 'ai-factory.eu/block' },
      { nodeLabel: 'nvidia.com/gpu.clique' },
      { nodeLabel: 'kubernetes.io/hostname' },
    ]);
    const flavors = Object.fromEntries(pl.filter((m) => m.kind === 'ResourceFlavor').map((f) => [f.metadata.name, f.spec]));
    // GB200 NVL72 trays: a new flavor name, since a flavor's topology cannot change once set.
    expect(flavors['gb200-nvlink']).toMatchObject({
      nodeLabels: { 'ai-factory.eu/pool': 'gb200' },
      topologyName: 'factory-topology-nvlink',
    });
    expect(flavors.gb200).toBeUndefined();
    expect(flavors['h100-mig'].topologyName).toBe('factory-topology');
    const acceptance = pl.find((m) => m.kind === 'ClusterQueue' && m.metadata.name === 'acceptance')!;
    expect(acceptance.spec.resourceGroups[0].flavors.map((f: { name: string }) => f.name)).toEqual(['gb200-nvlink', 'h100-mig']);
    // Sites without such pools have no NVLink topology.
    expect(cz.filter((m) => m.kind === 'Topology').map((t) => t.metadata.name)).toEqual(['factory-topology']);
  });

  test('one ClusterQueue per programme in one cohort, with fair sharing and the configured borrowing limit', () => {
    const queues = cz.filter((m) => m.kind === 'ClusterQueue');
    expect(queues.map((q) => q.metadata.name).sort()).toEqual(['academic', 'acceptance', 'acceptance-spread', 'industrial', 'sme']);
    for (const q of queues) expect(q.spec).toMatchObject({ cohortName: 'factory', fairSharing: { weight: '1' } });
    const academic = queues.find((q) => q.metadata.name === 'academic')!;
    const h200 = academic.spec.resourceGroups[0].flavors.find((f: { name: string }) => f.name === 'h200').resources[0];
    // 320 of Prague's 640 GPUs, split over what the programmes share: 496 H200s (two nodes kept
    // for the health checks) and 128 H100s: 254 H200s; 128 borrowable GPUs split the same way.
    expect(h200).toEqual({ name: 'nvidia.com/gpu', nominalQuota: 254, borrowingLimit: 102 });
    expect(academic.spec.namespaceSelector).toEqual({ matchLabels: { 'ai-factory.eu/programme': 'academic' } });
  });

  test('programme quotas add up to the config in phase 2, whole GPUs and MIG slices alike; in phase 1 acceptance owns the pools', () => {
    for (const s of fleet().sites) {
      const queues = platform(s.id).filter((m) => m.kind === 'ClusterQueue');
      if (s.phase === 1) {
        const acceptance = queues.find((x) => x.metadata.name === 'acceptance')!;
        for (const pool of s.nodePools) {
          const flavor = acceptance.spec.resourceGroups[0].flavors.find((f: { name: string }) => f.name === poolFlavor(pool));
          expect(flavor.resources.find((r: { name: string }) => r.name === 'nvidia.com/gpu').nominalQuota).toBe(
            pool.nodes * pool.gpusPerNode,
          );
        }
        continue;
      }
      for (const programme of PROGRAMMES) {
        const q = queues.find((x) => x.metadata.name === programme)!;
        const gpus = s.nodePools.reduce((sum, pool) => {
          const capacity = gpuResources(pool, migActive(s, pool));
          const flavor = q.spec.resourceGroups
            .flatMap((g: { flavors: { name: string; resources: { name: string; nominalQuota: number }[] }[] }) => g.flavors)
            .find((f: { name: string }) => f.name === poolFlavor(pool));
          const [resource, units] = Object.entries(capacity)[0] as [string, number];
          const perGpu = units / (pool.nodes * pool.gpusPerNode);
          return sum + flavor.resources.find((r: { name: string }) => r.name === resource).nominalQuota / perGpu;
        }, 0);
        expect(Math.abs(gpus - s.programmes[programme].gpus)).toBeLessThanOrEqual(s.nodePools.length);
      }
    }
  });

  test('the controller configuration keeps every chart default and adds fair sharing and pods-ready admission', () => {
    const chart = parseYaml(readFileSync(join(__dirname, 'fixtures/upstream/kueue/v0.19.2/chart/values.yaml'), 'utf8'));
    const defaults = parseYaml(chart.managerConfig.controllerManagerConfigYaml);
    const ours = kueueConfiguration();
    for (const key of Object.keys(defaults)) expect(ours).toHaveProperty(key);
    expect(ours.integrations).toEqual({ frameworks: expect.arrayContaining(defaults.integrations.frameworks) });
    expect(ours).toMatchObject({ fairSharing: expect.any(Object), waitForPodsReady: { timeout: '30m' } });
    const values = releaseValues(stacksOf('cz-prague').foundation).kueue as { managerConfig: { controllerManagerConfigYaml: string } };
    expect(parseYaml(values.managerConfig.controllerManagerConfigYaml)).toEqual(ours);
  });

  test('splits quotas over pools exactly', () => {
    expect(splitProportionally(320, [512, 128])).toEqual([256, 64]);
    expect(splitProportionally(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitProportionally(0, [5, 5])).toEqual([0, 0]);
    expect(splitProportionally(7, [0, 0])).toEqual([0, 0]);
  });
});

describe('inference', () => {
  test('Barcelona serves with vLLM on its L40S pool; sites without inference get no runtime', () => {
    const runtime = platform('es-barcelona').find((m) => m.kind === 'ClusterServingRuntime')!;
    expect(runtime.spec.nodeSelector).toEqual({ 'ai-factory.eu/pool': 'l40s' });
    expect(runtime.spec.containers[0]).toMatchObject({
      image: 'docker.io/vllm/vllm-openai:v0.11.0',
      resources: { limits: { 'nvidia.com/gpu': '4' } },
    });
    expect(platform('cz-prague').some((m) => m.kind === 'ClusterServingRuntime')).toBe(false);
    expect(Testing.synth(stacksOf('es-barcelona').foundation)).toContain('"chart": "kserve-resources"');
  });
});

describe('gates', () => {
  test('a phase 2 site without sign-off is refused with the reason', () => {
    const config = new ConfigCopy().replace('sites/cz.yaml', / {4}acceptance:\n {6}signOff: .*\n/, '');
    expect(config.problems()).toEqual([
      'config/sites/cz.yaml:9:12: sites[0].phase: 2 needs a signed-off Phase 1 acceptance: add acceptance.signOff { date, report } with the results reference, or keep phase: 1',
    ]);
  });

  test('programme quotas cannot exceed the site GPUs, nor a subsidised tenant its programme', () => {
    expect(siteGpus(site('lt-vilnius'))).toBe(320);
    const config = new ConfigCopy()
      .replace('sites/lt.yaml', 'industrial: { gpus: 100 }', 'industrial: { gpus: 200 }')
      .replace('sites/lt.yaml', 'sme-0001-users, gpus: 16', 'sme-0001-users, gpus: 80');
    expect(config.problems()).toEqual([
      "config/sites/lt.yaml:44:7: sites[0].programmes: quotas add up to 384 GPUs (academic 120, industrial 200, sme 64), more than the site's 320 GPUs",
      'config/sites/lt.yaml:51:80: sites[0].tenants[3].gpus: 80 brings the sme tenants to 80 GPUs, over the programme quota of 64',
    ]);
  });
});

describe('rollout', () => {
  test('prints each wave in order with the sites, their phase, stacks in deploy order and commands', () => {
    const plan = rolloutPlan(fleet());
    expect(plan.indexOf('Wave 1: canary')).toBeLessThan(plan.indexOf('Wave 2: wave-1'));
    expect(plan).toContain(
      '  pl-warsaw (Warsaw) phase 1: Phase 1 acceptance open; Phase 2 planned 2026-12-07\n    stacks: pl-warsaw-foundation -> pl-warsaw-platform\n',
    );
    expect(plan).toContain("    npm run preflight -- es-barcelona\n    npm run deploy -- 'es-barcelona-*'\n");
    expect(plan).not.toContain('pl-warsaw-tenants');
  });
});
