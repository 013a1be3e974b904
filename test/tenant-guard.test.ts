/**
 * The tenant guard against Kubernetes' own Pod Security fixtures (it admits exactly what
 * restricted admits, IPC_LOCK aside), its other rules and the priority and bucket guards evaluated
 * as CEL, and the policy rules that keep the pairing "privileged namespace + guard" honest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aspects } from 'cdktf/lib/aspect';
import { Testing } from 'cdktf/lib/testing';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { parse as parseYaml } from 'yaml';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { PolicyAspect, fleetPolicies } from '../constructs/policies';
import { TenantGuard } from '../constructs/tenancy/tenant-guard';
import { buildFleet } from '../stacks/fleet';
import { privilegedNamespaces } from '../stacks/site-stack';
import { evaluateBinding, evaluatePolicy } from './admission/cel-policy';
import { podSecurityViolations } from './admission/pod-security';
import { synthesizedSite, tenantGuard } from './site-model';
import { fleet } from './util';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are read as plain data.
type Obj = Record<string, any>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const prague = synthesizedSite(buildFleet(Testing.app(), fleet()).find((s) => s.site.id === 'cz-prague')!);

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
const guard = tenantGuard(prague, 'factory-tenant-pods');
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
    const { policy } = tenantGuard(prague, 'factory-tenant-priorities');
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
    const { policy } = tenantGuard(prague, 'factory-tenant-buckets');
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
