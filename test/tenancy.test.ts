/**
 * Tenant isolation: what the admission chain (Pod Security, the tenant guards as CEL), RBAC,
 * network policies, quotas and Kueue do with what tenants submit, on every phase 2 site of the
 * fixture fleet, each rule also broken once; and GPUs reachable only through requests.
 * (test/tenant-guard.test.ts holds the guard against Kubernetes' own Pod Security fixtures.)
 */
import { Testing } from 'cdktf/lib/testing';
import { parse as parseYaml } from 'yaml';
import { buildFleet } from '../stacks/fleet';
import { type SiteOutput, synthesizedSite, tenantGuard, tenantProblems, tenantViews } from './site-model';
import { fleet, manifests } from './util';

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is read as plain data.
type Obj = Record<string, any>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

const outputs: SiteOutput[] = buildFleet(Testing.app(), fleet()).map(synthesizedSite);
const phase2 = outputs.filter((o) => o.tenants);
const out = (id: string) => clone(outputs.find((o) => o.site === id)!);
const manifestsOf = (stack: Obj) => Object.values(stack.resource.kubernetes_manifest as Obj).map((r: Obj) => r.manifest);

describe('tenant isolation on the synthesized sites', () => {
  test.each(phase2.map((o) => [o.site]))('%s: tenants are refused what is not theirs and can do their work', (id) => {
    expect(tenantProblems(out(id))).toEqual([]);
  });

  test('the positive scenarios ran: RDMA jobs, model servers and buckets, on the sites that have them', () => {
    const exercised = new Set<string>();
    for (const o of phase2) tenantProblems(o, exercised);
    const kinds = (kind: string) => [...exercised].filter((e) => e.endsWith(`: ${kind}`));
    expect(kinds('rdma').length).toBeGreaterThan(0);
    expect(kinds('inference').length).toBeGreaterThan(0);
    expect(kinds('bucket').length).toBeGreaterThan(0);
    // Every tenant of a site with a serving pool and enough GPUs can serve a model.
    expect(kinds('inference').every((e) => e.startsWith('es-barcelona/'))).toBe(true);
  });

  test('without the pod guard binding, a tenant can add capabilities, use reserved priorities and reach other networks', () => {
    const o = out('es-barcelona');
    const resources = o.tenants!.resource.kubernetes_manifest as Obj;
    for (const [key, r] of Object.entries(resources)) {
      if (r.manifest.kind === 'ValidatingAdmissionPolicyBinding' && r.manifest.metadata.name === 'factory-tenant-pods')
        delete resources[key];
    }
    const problems = tenantProblems(o);
    expect(problems).toContainEqual(expect.stringMatching(/tenant upc-nlp: admission lets it create a pod adding SYS_ADMIN/));
    expect(problems).toContainEqual(expect.stringMatching(/tenant upc-nlp: admission lets it create a pod at priority factory-system/));
    expect(problems).toContainEqual(expect.stringMatching(/admission lets it create a pod attaching another namespace's rail network/));
  });

  test('a guard without IPC_LOCK refuses the tenants their RDMA jobs', () => {
    const o = out('cz-prague');
    const { policy } = tenantGuard(o, 'factory-tenant-pods');
    const variable = policy.spec.variables!.find((v) => v.name === 'allowedCapabilities')!;
    variable.expression = variable.expression.replace(", 'IPC_LOCK'", '');
    expect(tenantProblems(o)).toContainEqual(
      expect.stringMatching(/its RDMA job on \S+ is refused: factory-tenant-pods: containers may add only/),
    );
  });

  test('a guard that accepts namespaced network references lets a tenant attach another namespace’s rails', () => {
    const o = out('lt-vilnius');
    const { policy } = tenantGuard(o, 'factory-tenant-pods');
    const rule = policy.spec.validations!.find((v) => v.expression.includes('variables.networks'))!;
    rule.expression = 'true';
    expect(tenantProblems(o)).toContainEqual(
      expect.stringMatching(/admission lets it create a pod attaching another namespace's rail network/),
    );
  });

  test('the Kueue priority guard is what stops a tenant Job at the checks’ priority', () => {
    const o = out('cz-prague');
    const { binding } = tenantGuard(o, 'factory-tenant-priorities');
    binding.spec.validationActions = ['Audit'];
    expect(tenantProblems(o)).toContainEqual(
      expect.stringMatching(/admission lets it create a Job at the acceptance checks’ Kueue priority/),
    );
  });

  test('a tenant namespace that no longer audits restricted, or misses a MIG quota, is named', () => {
    const o = out('nl-amsterdam');
    const ns = Object.values(o.tenants!.resource.kubernetes_namespace_v1 as Obj)[0] as Obj;
    ns.metadata.labels['pod-security.kubernetes.io/audit'] = 'privileged';
    const quota = Object.values(o.tenants!.resource.kubernetes_resource_quota_v1 as Obj).find(
      (q: Obj) => q.metadata.namespace === ns.metadata.name && !q.spec.scope_selector,
    ) as Obj;
    const mig = Object.keys(quota.spec.hard).find((k) => k.startsWith('requests.nvidia.com/mig-'));
    expect(mig).toBeDefined();
    delete quota.spec.hard[mig!];
    const problems = tenantProblems(o);
    expect(problems).toContainEqual(`nl-amsterdam: tenant ${ns.metadata.name}: namespace does not audit Pod Security restricted`);
    expect(problems).toContainEqual(`nl-amsterdam: tenant ${ns.metadata.name}: no ResourceQuota on ${mig!.replace('requests.', '')}`);
  });

  test('without its gateway policy a model server is unreachable; with an open one it is reachable from anywhere', () => {
    const closed = out('es-barcelona');
    const policies = closed.tenants!.resource.kubernetes_network_policy_v1 as Obj;
    for (const [key, p] of Object.entries(policies)) if (p.metadata.name === 'allow-inference-gateway') delete policies[key];
    expect(tenantProblems(closed)).toContainEqual(
      expect.stringMatching(/the inference gateway cannot reach its model server on port 8080/),
    );

    const open = out('es-barcelona');
    for (const p of Object.values(open.tenants!.resource.kubernetes_network_policy_v1 as Obj) as Obj[]) {
      if (p.metadata.name === 'allow-inference-gateway') p.spec.ingress[0].from = [{ namespace_selector: {} }];
    }
    expect(tenantProblems(open)).toContainEqual(expect.stringMatching(/its model server is reachable from any namespace/));
  });

  test('the model server as first written (no seccomp profile, no writable home, no /dev/shm) breaks restricted', () => {
    const o = out('es-barcelona');
    const runtime = manifestsOf(o.platform).find((m) => m.kind === 'ClusterServingRuntime');
    delete runtime.spec.containers[0].securityContext.seccompProfile;
    expect(tenantProblems(o)).toContainEqual(expect.stringMatching(/the model server breaks Pod Security restricted: .*seccomp/));
  });

  test('without its limits ConfigMap a tenant cannot claim a bucket, and an unbounded guard admits any size', () => {
    const missing = out('cz-prague');
    const maps = missing.tenants!.resource.kubernetes_config_map_v1 as Obj;
    for (const [key, c] of Object.entries(maps))
      if (c.metadata.name === 'cuni-ml' && c.metadata.namespace === 'factory-tenant-limits') delete maps[key];
    expect(tenantProblems(missing)).toContainEqual(
      'cz-prague: tenant cuni-ml: its bucket claim is refused: factory-tenant-buckets: parameter ConfigMap cuni-ml is missing in factory-tenant-limits',
    );

    const unbounded = out('cz-prague');
    const { policy } = tenantGuard(unbounded, 'factory-tenant-buckets');
    policy.spec.validations = policy.spec.validations!.filter((v) => !v.expression.includes('maxSize'));
    expect(tenantProblems(unbounded)).toContainEqual(
      expect.stringMatching(/tenant cuni-ml: a bucket of \d+G \(over its share\) is admitted/),
    );
  });

  test('each tenant gets its own network per rail, in its namespace, on the rail address pools', () => {
    const o = out('cz-prague');
    const tenants = tenantViews(o);
    const rails = manifestsOf(o.platform).filter((m) => m.kind === 'IPPool').length;
    expect(rails).toBeGreaterThan(0);
    for (const t of tenants) {
      expect(t.networks).toHaveLength(rails);
      expect(t.networks.every((n) => n.startsWith(`${t.name}-rail-`))).toBe(true);
    }
    const all = tenants.flatMap((t) => t.networks);
    expect(new Set(all).size).toBe(all.length);
    // The acceptance checks attach their own, in their namespace.
    expect(manifestsOf(o.platform).filter((m) => m.spec?.networkNamespace === 'factory-acceptance')).toHaveLength(rails);
    expect(manifestsOf(o.platform).some((m) => m.spec?.networkNamespace === 'default')).toBe(false);
  });
});

// ---------------------------------------------------------------- GPUs only through requests

describe('GPUs only through requests', () => {
  test('every site’s GPU Operator refuses NVIDIA_VISIBLE_DEVICES from unprivileged containers and keeps CDI', () => {
    for (const o of outputs) {
      const release = Object.values(o.foundation.resource.helm_release as Obj).find((r: Obj) => r.chart === 'gpu-operator') as Obj;
      const values = parseYaml(release.values[0]);
      expect(values.cdi).toEqual({ enabled: true });
      expect(values.toolkit.env).toContainEqual({ name: 'ACCEPT_NVIDIA_VISIBLE_DEVICES_ENVVAR_WHEN_UNPRIVILEGED', value: 'false' });
    }
  });

  test('no workload of ours names GPUs by environment variable or reaches the NVIDIA runtime without requesting GPUs', () => {
    let pods = 0;
    for (const o of outputs) {
      for (const m of [o.platform, o.tenants].flatMap((s) => (s ? manifestsOf(s) : []))) {
        if (m.kind !== 'Job' && m.kind !== 'CronJob') continue;
        const spec = (m.kind === 'CronJob' ? m.spec.jobTemplate.spec : m.spec).template.spec;
        pods++;
        for (const c of spec.containers) {
          expect((c.env ?? []).map((e: Obj) => e.name)).not.toContain('NVIDIA_VISIBLE_DEVICES');
          const gpus = Object.keys(c.resources?.requests ?? {}).some(
            (r) => r.startsWith('nvidia.com/gpu') || r.startsWith('nvidia.com/mig-'),
          );
          if (spec.runtimeClassName) expect(gpus).toBe(true);
        }
      }
    }
    expect(pods).toBeGreaterThan(20);
  });

  test('the per-node inventory reads its node through the API, with a ServiceAccount that can only read nodes', () => {
    const o = out('cz-prague');
    const inventory = manifestsOf(o.platform).find((m) => m.metadata.name.startsWith('inventory-'));
    const spec = (inventory.kind === 'CronJob' ? inventory.spec.jobTemplate.spec : inventory.spec).template.spec;
    expect(spec.serviceAccountName).toBe('node-reader');
    expect(spec.runtimeClassName).toBeUndefined();
    expect(Object.keys(spec.containers[0].resources.requests).sort()).toEqual(['cpu', 'memory']);
    const env = Object.fromEntries(spec.containers[0].env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
    expect(env.MIN_MEMLOCK_KIB).toBe('unlimited');
    const roles = Object.values(o.platform.resource.kubernetes_cluster_role_v1 as Obj) as Obj[];
    expect(roles.map((r) => r.rule)).toEqual([[{ api_groups: [''], resources: ['nodes'], verbs: ['get', 'list'] }]]);
  });
});

// The whole tenants stack of one site, for review alongside the targeted assertions above.
test('the tenants stack holds the guards once per site, bound to tenant namespaces', () => {
  const stacks = buildFleet(Testing.app(), fleet()).find((s) => s.site.id === 'es-barcelona')!;
  const kinds = manifests(stacks.tenants!).map((m) => `${m.kind as string}/${(m.metadata as Obj).name}`);
  const tenants = fleet()
    .sites.find((s) => s.id === 'es-barcelona')!
    .tenants.map((t) => `ValidatingAdmissionPolicyBinding/factory-tenant-buckets-${t.name}`);
  expect(kinds.filter((k) => k.startsWith('ValidatingAdmissionPolicy')).sort()).toEqual(
    [
      'ValidatingAdmissionPolicy/factory-tenant-buckets',
      'ValidatingAdmissionPolicy/factory-tenant-pods',
      'ValidatingAdmissionPolicy/factory-tenant-priorities',
      'ValidatingAdmissionPolicy/factory-tenant-services',
      'ValidatingAdmissionPolicyBinding/factory-tenant-pods',
      'ValidatingAdmissionPolicyBinding/factory-tenant-priorities',
      'ValidatingAdmissionPolicyBinding/factory-tenant-services',
      ...tenants,
    ].sort(),
  );
  // Tenant namespaces turn privileged only once every binding is in place.
  const namespaces = Object.values(JSON.parse(Testing.synth(stacks.tenants!)).resource.kubernetes_namespace_v1 as Obj).filter(
    (n: Obj) => 'ai-factory.eu/tenant' in n.metadata.labels,
  ) as Obj[];
  for (const ns of namespaces)
    expect(ns.depends_on.filter((d: string) => d.startsWith('kubernetes_manifest.guard_'))).toHaveLength(3 + tenants.length);
});
