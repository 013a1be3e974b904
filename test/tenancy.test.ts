/**
 * Tenant isolation: what the admission chain (Pod Security, the tenant guards as CEL), RBAC,
 * network policies, quotas and Kueue do with what tenants submit, on every phase 2 site of the
 * fixture fleet; the tenant guard against Kubernetes' own Pod Security fixtures; and the rules
 * that keep the pairing "privileged namespace + guard" honest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { parse as parseYaml } from 'yaml';
import { PolicyAspect, fleetPolicies } from '../constructs/policies';
import { TenantGuard } from '../constructs/tenancy/tenant-guard';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { buildFleet } from '../stacks/fleet';
import { privilegedNamespaces } from '../stacks/site-stack';
import { Aspects } from 'cdktf/lib/aspect';
import {
  evaluateBinding,
  evaluatePolicy,
  type ValidatingAdmissionPolicy,
  type ValidatingAdmissionPolicyBinding,
} from './admission/cel-policy';
import { podSecurityViolations } from './admission/pod-security';
import { type SiteOutput, synthesizedSite, tenantProblems, tenantViews } from './site-model';
import { fleet, manifests } from './util';

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is read as plain data.
type Obj = Record<string, any>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

const outputs: SiteOutput[] = buildFleet(Testing.app(), fleet()).map(synthesizedSite);
const phase2 = outputs.filter((o) => o.tenants);
const out = (id: string) => clone(outputs.find((o) => o.site === id)!);
const manifestsOf = (stack: Obj) => Object.values(stack.resource.kubernetes_manifest as Obj).map((r: Obj) => r.manifest);
const guardOf = (o: SiteOutput, name: string) => ({
  policy: manifestsOf(o.tenants!).find(
    (m) => m.kind === 'ValidatingAdmissionPolicy' && m.metadata.name === name,
  ) as ValidatingAdmissionPolicy,
  binding: manifestsOf(o.tenants!).find(
    (m) => m.kind === 'ValidatingAdmissionPolicyBinding' && m.metadata.name === name,
  ) as ValidatingAdmissionPolicyBinding,
});

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
    const { policy } = guardOf(o, 'factory-tenant-pods');
    const variable = policy.spec.variables!.find((v) => v.name === 'allowedCapabilities')!;
    variable.expression = variable.expression.replace(", 'IPC_LOCK'", '');
    expect(tenantProblems(o)).toContainEqual(
      expect.stringMatching(/its RDMA job on \S+ is refused: factory-tenant-pods: containers may add only/),
    );
  });

  test('a guard that accepts namespaced network references lets a tenant attach another namespace’s rails', () => {
    const o = out('lt-vilnius');
    const { policy } = guardOf(o, 'factory-tenant-pods');
    const rule = policy.spec.validations!.find((v) => v.expression.includes('variables.networks'))!;
    rule.expression = 'true';
    expect(tenantProblems(o)).toContainEqual(
      expect.stringMatching(/admission lets it create a pod attaching another namespace's rail network/),
    );
  });

  test('the Kueue priority guard is what stops a tenant Job at the checks’ priority', () => {
    const o = out('cz-prague');
    const { binding } = guardOf(o, 'factory-tenant-priorities');
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
    const { policy } = guardOf(unbounded, 'factory-tenant-buckets');
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

// ---------------------------------------------------------------- the guard against Kubernetes' own fixtures

const FIXTURES = join(__dirname, 'fixtures', 'upstream', 'pod-security-admission', 'v0.36.2', 'testdata');
const fixturePods = ['baseline', 'restricted'].flatMap((level) =>
  ['pass', 'fail'].flatMap((verdict) => {
    const dir = join(FIXTURES, level, 'v1.35', verdict);
    return readdirSync(dir).map((file) => ({
      name: `${level}/${verdict}/${file}`,
      pod: parseYaml(readFileSync(join(dir, file), 'utf8')) as Obj,
    }));
  }),
);
/**
 * What the API server's defaulting does before admission plugins see a pod: a volume without a
 * source becomes an emptyDir. (Pod Security evaluates the same defaulted object.)
 */
const defaulted = (pod: Obj): Obj => {
  const copy = clone(pod);
  for (const v of copy.spec.volumes ?? []) if (Object.keys(v).filter((k) => k !== 'name').length === 0) v.emptyDir = {};
  return copy;
};
const tenantNamespace = { metadata: { name: 'probe-tenant', labels: { 'ai-factory.eu/tenant': 'probe-tenant' } } };
const guard = guardOf(outputs.find((o) => o.site === 'cz-prague')!, 'factory-tenant-pods');
const guardAdmits = (pod: Obj) =>
  evaluateBinding(guard.binding, guard.policy, { object: defaulted(pod), namespaceObject: tenantNamespace });
const withoutIpcLock = (pod: Obj): Obj => {
  const copy = clone(pod);
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of copy.spec[list] ?? []) {
      const add = c.securityContext?.capabilities?.add;
      if (add) c.securityContext.capabilities.add = add.filter((a: string) => a !== 'IPC_LOCK');
    }
  }
  return copy;
};

describe('the tenant guard is Pod Security restricted plus IPC_LOCK', () => {
  test('the fixtures are all there', () => {
    expect(fixturePods.length).toBeGreaterThan(100);
  });

  test.each(fixturePods.map((f) => [f.name, f.pod]))(
    '%s: the guard admits it exactly when restricted admits it (IPC_LOCK aside)',
    (_name, pod) => {
      const restricted = podSecurityViolations('restricted', withoutIpcLock(pod));
      const verdict = guardAdmits(pod);
      expect({ allowed: verdict.allowed, messages: verdict.allowed ? [] : verdict.messages.length > 0 }).toEqual({
        allowed: restricted.length === 0,
        messages: restricted.length === 0 ? [] : true,
      });
    },
  );

  test('every restricted pod with IPC_LOCK added passes the guard, though Pod Security restricted refuses it', () => {
    const passing = fixturePods.filter((f) => f.name.startsWith('restricted/pass/'));
    expect(passing.length).toBeGreaterThan(5);
    for (const { pod } of passing) {
      const rdma = clone(pod);
      if (rdma.spec.os?.name === 'windows') continue;
      for (const c of rdma.spec.containers)
        c.securityContext = { ...c.securityContext, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } };
      expect(podSecurityViolations('restricted', rdma)).not.toEqual([]);
      expect(guardAdmits(rdma)).toMatchObject({ allowed: true });
    }
  });

  test('a pod whose optional fields are all absent is judged, not errored', () => {
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    const verdict = guardAdmits(bare);
    expect(verdict.allowed).toBe(false);
    expect(verdict.messages.join('\n')).not.toMatch(/resulted in error/);
    const minimal = {
      ...bare,
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    };
    expect(guardAdmits(minimal)).toEqual({ applies: true, allowed: true, messages: [] });
  });

  test('a pod outside tenant namespaces is not the guard’s business', () => {
    const pod = fixturePods.find((f) => f.name.startsWith('restricted/fail/'))!.pod;
    expect(
      evaluateBinding(guard.binding, guard.policy, { object: pod, namespaceObject: { metadata: { name: 'kube-system', labels: {} } } }),
    ).toMatchObject({
      applies: false,
      allowed: true,
    });
  });

  test('the fleet’s own limits: priorities, runtime classes, node names and networks', () => {
    const base = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' } as Obj,
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      } as Obj,
    };
    const pod = (spec: Obj, metadata: Obj = {}) => ({
      ...base,
      metadata: { ...base.metadata, ...metadata },
      spec: { ...base.spec, ...spec },
    });
    const allowed = (p: Obj) => guardAdmits(p).allowed;
    expect(allowed(pod({ priorityClassName: 'factory-production' }))).toBe(true);
    expect(allowed(pod({ priorityClassName: 'factory-preemptible' }))).toBe(true);
    for (const reserved of ['factory-system', 'factory-check', 'system-node-critical', 'system-cluster-critical']) {
      expect(allowed(pod({ priorityClassName: reserved }))).toBe(false);
    }
    expect(allowed(pod({ runtimeClassName: 'nvidia' }))).toBe(true);
    expect(allowed(pod({ runtimeClassName: 'kata' }))).toBe(false);
    expect(allowed(pod({ nodeName: 'gpu-1' }))).toBe(false);
    const nets = (value: string) => pod({}, { annotations: { 'k8s.v1.cni.cncf.io/networks': value } });
    expect(allowed(nets('t-rail-0,t-rail-1@net2, t-rail-2'))).toBe(true);
    expect(allowed(nets('other/t-rail-0'))).toBe(false);
    expect(allowed(nets('t-rail-0,default/rail-1'))).toBe(false);
    expect(allowed(nets('[{"name":"rail-0","namespace":"factory-acceptance"}]'))).toBe(false);
    expect(allowed(nets('[{"name":"t-rail-0","ips":["10.40.0.7/16"]}]'))).toBe(true);
    expect(allowed(nets('[{"name":"rail-0","\\u006eamespace":"factory-acceptance"}]'))).toBe(false);
    expect(allowed(pod({}, { annotations: { 'v1.multus-cni.io/default-network': 'rail-0' } }))).toBe(false);
    // Ephemeral containers are added later, through their own subresource: held to the same profile.
    const debug = pod({ ephemeralContainers: [{ name: 'debug', image: 'busybox:1', securityContext: { privileged: true } }] });
    expect(
      evaluateBinding(guard.binding, guard.policy, {
        object: { ...debug, spec: { ...debug.spec, nodeName: 'gpu-1' } },
        operation: 'UPDATE',
        subResource: 'ephemeralcontainers',
        resource: { group: '', version: 'v1', resource: 'pods' },
        namespaceObject: tenantNamespace,
      }).allowed,
    ).toBe(false);
  });

  test('Kueue priority labels: the tenants’ classes pass, the checks’ does not, unlabelled objects are not looked at', () => {
    const { policy } = guard && guardOf(outputs.find((o) => o.site === 'cz-prague')!, 'factory-tenant-priorities');
    const job = (labels?: Record<string, string>) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', ...(labels ? { labels } : {}) },
      spec: {},
    });
    for (const allowed of ['production', 'standard', 'preemptible']) {
      expect(evaluatePolicy(policy, { object: job({ 'kueue.x-k8s.io/priority-class': allowed }) }).allowed).toBe(true);
    }
    expect(evaluatePolicy(policy, { object: job({ 'kueue.x-k8s.io/priority-class': 'acceptance' }) }).allowed).toBe(false);
    expect(evaluatePolicy(policy, { object: job() })).toMatchObject({ applies: false, allowed: true });
    expect(evaluatePolicy(policy, { object: job({ team: 'a' }) })).toMatchObject({ applies: false, allowed: true });
  });

  test('bucket claims: the object class, a size within the tenant’s limit, never unbounded', () => {
    const { policy } = guardOf(outputs.find((o) => o.site === 'cz-prague')!, 'factory-tenant-buckets');
    const params = { data: { storageClass: 'object', maxBucketSize: '2000G' } };
    const claim = (spec: Obj) => ({ apiVersion: 'objectbucket.io/v1alpha1', kind: 'ObjectBucketClaim', metadata: { name: 'b' }, spec });
    const verdict = (spec: Obj) => evaluatePolicy(policy, { object: claim(spec), params }).allowed;
    expect(verdict({ storageClassName: 'object', additionalConfig: { maxSize: '2000G' } })).toBe(true);
    expect(verdict({ storageClassName: 'object', additionalConfig: { maxSize: '1Ti' } })).toBe(true);
    expect(verdict({ storageClassName: 'object', additionalConfig: { maxSize: '2001G' } })).toBe(false);
    expect(verdict({ storageClassName: 'object', additionalConfig: { maxSize: '2T' } })).toBe(true);
    expect(verdict({ storageClassName: 'object', additionalConfig: { maxSize: '3Ti' } })).toBe(false);
    expect(verdict({ storageClassName: 'object', additionalConfig: { maxSize: 'lots' } })).toBe(false);
    expect(verdict({ storageClassName: 'object' })).toBe(false);
    expect(verdict({ storageClassName: 'datasets', additionalConfig: { maxSize: '1G' } })).toBe(false);
  });
});

// ---------------------------------------------------------------- the rules that keep the pairing honest

describe('pod-security-enforced accepts a privileged namespace only with the guard bound to it', () => {
  const synthNamespace = (withGuard: boolean, audit: PodSecurityLevel, validationActions?: string[]) => {
    const stack = new TerraformStack(Testing.app(), 'probe');
    new SiteNamespace(stack, 'tenant', {
      siteId: 'probe',
      name: 'probe-tenant',
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityAudit: audit,
      podSecurityReason: 'RDMA jobs need IPC_LOCK; the guard enforces restricted plus IPC_LOCK',
      labels: { 'ai-factory.eu/tenant': 'probe-tenant' },
    });
    if (withGuard) {
      const g = new TenantGuard(stack, 'guard', { siteId: 'probe' });
      if (validationActions) {
        const binding = g.node.findChild('pods-binding') as unknown as { manifest: Obj };
        binding.manifest.spec.validationActions = validationActions;
      }
    }
    Aspects.of(stack).add(new PolicyAspect(fleetPolicies(privilegedNamespaces(fleet()))));
    new KubernetesProvider(stack, 'kubernetes', {});
    return () => Testing.synth(stack, true);
  };

  test('guard bound with Deny, warn and audit restricted: compliant', () => {
    expect(synthNamespace(true, PodSecurityLevel.RESTRICTED)).not.toThrow();
  });
  test('no guard: a violation naming the namespace', () => {
    expect(synthNamespace(false, PodSecurityLevel.RESTRICTED)).toThrow(
      /pod-security-enforced .*namespace probe-tenant is privileged without/,
    );
  });
  test('guard bound, but the namespace audits privileged: a violation', () => {
    expect(synthNamespace(true, PodSecurityLevel.PRIVILEGED)).toThrow(/namespace probe-tenant is privileged without/);
  });
  test('guard bound with Warn only: a violation', () => {
    expect(synthNamespace(true, PodSecurityLevel.RESTRICTED, ['Warn'])).toThrow(/namespace probe-tenant is privileged without/);
  });
});

describe('no-cluster-admin: cluster-wide bindings only for ServiceAccounts, to a read-only role of the stack', () => {
  const synthBinding = (subject: Obj, verbs: string[], resources = ['nodes']) => {
    const stack = new TerraformStack(Testing.app(), 'probe');
    const role = new ClusterRoleV1(stack, 'role', {
      metadata: { name: 'reader' },
      rule: [{ apiGroups: [''], resources, verbs }],
    });
    new ClusterRoleBindingV1(stack, 'binding', {
      metadata: { name: 'reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subject: [subject as never],
      dependsOn: [role],
    });
    Aspects.of(stack).add(new PolicyAspect(fleetPolicies(privilegedNamespaces(fleet()))));
    new KubernetesProvider(stack, 'kubernetes', {});
    return () => Testing.synth(stack, true);
  };
  const sa = { kind: 'ServiceAccount', name: 'node-reader', namespace: 'factory-acceptance' };

  test('a ServiceAccount bound to a read-only ClusterRole: compliant', () => {
    expect(synthBinding(sa, ['get', 'list'])).not.toThrow();
  });
  test('a group, even read-only: a violation', () => {
    expect(synthBinding({ kind: 'Group', name: 'tenants', apiGroup: 'rbac.authorization.k8s.io' }, ['get'])).toThrow(
      /no-cluster-admin .*cluster-wide binding "reader"/,
    );
  });
  test('a ServiceAccount bound to a role that writes: a violation', () => {
    expect(synthBinding(sa, ['get', 'patch'])).toThrow(/no-cluster-admin .*cluster-wide binding "reader"/);
  });
  test('a ServiceAccount bound to a role that reads secrets, or everything: a violation', () => {
    expect(synthBinding(sa, ['get'], ['secrets'])).toThrow(/no-cluster-admin .*cluster-wide binding "reader"/);
    expect(synthBinding(sa, ['list'], ['*'])).toThrow(/no-cluster-admin .*cluster-wide binding "reader"/);
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

  test('the per-node inventory reads its node through the API, with a ServiceAccount that can only get nodes', () => {
    const o = out('cz-prague');
    const inventory = manifestsOf(o.platform).find((m) => m.metadata.name.startsWith('inventory-'));
    const spec = (inventory.kind === 'CronJob' ? inventory.spec.jobTemplate.spec : inventory.spec).template.spec;
    expect(spec.serviceAccountName).toBe('node-reader');
    expect(spec.runtimeClassName).toBeUndefined();
    expect(Object.keys(spec.containers[0].resources.requests).sort()).toEqual(['cpu', 'memory']);
    const env = Object.fromEntries(spec.containers[0].env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
    expect(env.MIN_MEMLOCK_KIB).toBe('unlimited');
    const roles = Object.values(o.platform.resource.kubernetes_cluster_role_v1 as Obj) as Obj[];
    expect(roles.map((r) => r.rule)).toEqual([[{ api_groups: [''], resources: ['nodes'], verbs: ['get'] }]]);
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
