import { Testing } from 'cdktf/lib/testing';
import { Aspects } from 'cdktf/lib/aspect';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { CustomResource } from '../constructs/custom-resource';
import { PodSecurityLevel, SiteNamespace } from '../constructs/namespace';
import { PolicyAspect, fleetPolicies, type PolicyRule, type ResourceView } from '../constructs/policies';
import { deployOrder } from '../stacks/fleet';
import { privilegedNamespaces } from '../stacks/site-stack';
import { buildSites, fleet } from './util';

const rules = fleetPolicies(privilegedNamespaces(fleet()));
const rule = (id: string): PolicyRule => rules.find((r) => r.id === id)!;

const job = (container: Record<string, unknown>, labels: Record<string, string> = {}): ResourceView => ({
  type: 'kubernetes_manifest',
  config: {
    manifest: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'probe', labels },
      spec: { template: { spec: { containers: [{ name: 'c', ...container }] } } },
    },
  },
});
const good = {
  image: 'nvcr.io/nvidia/cuda:12.9.1-base-ubuntu24.04',
  resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};

describe('policies', () => {
  test('the whole fleet complies (synthesis with validations)', () => {
    for (const stack of buildSites().flatMap(deployOrder)) expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  test.each([
    ['image-tag-pinned', { ...good, image: 'nvcr.io/nvidia/cuda:latest' }, 'Job probe container c uses image "nvcr.io/nvidia/cuda:latest"'],
    ['image-tag-pinned', { ...good, image: 'registry:5000/tools' }, 'Job probe container c uses image "registry:5000/tools"'],
    [
      'container-resources',
      { ...good, resources: { requests: { cpu: '1' } } },
      'Job probe container c has no requests for memory; Job probe container c has no limits for cpu, memory',
    ],
    [
      'no-privilege',
      { ...good, securityContext: { ...good.securityContext, privileged: true } },
      'Job probe container c may gain privileges',
    ],
    [
      'capabilities-dropped',
      { ...good, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } },
      'Job probe container c adds NET_ADMIN',
    ],
    [
      'capabilities-dropped',
      { ...good, securityContext: { allowPrivilegeEscalation: false } },
      'Job probe container c does not drop ALL capabilities',
    ],
  ])('%s: non-compliant %#', (id, container, problem) => {
    expect(rule(id).check(job(container))).toEqual({ result: 'non-compliant', problems: problem.split('; ') });
    expect(rule(id).check(job(good))).toEqual({ result: 'compliant' });
  });

  test('capability exceptions hold only for acceptance checks, and only the documented ones', () => {
    const ipcLock = { ...good, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } } };
    expect(rule('capabilities-dropped').check(job(ipcLock, { 'ai-factory.eu/check': 'rdma-pairs-h200' }))).toEqual({ result: 'compliant' });
    expect(rule('capabilities-dropped').check(job(ipcLock)).result).toBe('non-compliant');
  });

  test('rules say when they do not apply', () => {
    const namespace: ResourceView = {
      type: 'kubernetes_namespace_v1',
      config: { metadata: { name: 'x', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    };
    for (const id of [
      'image-tag-pinned',
      'container-resources',
      'no-privilege',
      'capabilities-dropped',
      'chart-pinned',
      'no-cluster-admin',
    ]) {
      expect(rule(id).check(namespace)).toEqual({ result: 'not-applicable' });
    }
    expect(rule('pod-security-enforced').check(namespace)).toEqual({ result: 'compliant' });
  });

  test('charts must be pinned to an exact version', () => {
    expect(rule('chart-pinned').check({ type: 'helm_release', config: { name: 'kueue', chart: 'kueue', version: '~0.19' } })).toEqual({
      result: 'non-compliant',
      problems: ['release kueue of chart kueue has version "~0.19"'],
    });
  });

  test('privileged namespaces are only the documented exceptions', () => {
    const ns = (name: string, annotations?: Record<string, string>): ResourceView => ({
      type: 'kubernetes_namespace_v1',
      config: { metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' }, annotations } },
    });
    expect(rule('pod-security-enforced').check(ns('gpu-operator', { 'ai-factory.eu/pod-security-reason': 'drivers' }))).toEqual({
      result: 'compliant',
    });
    expect(rule('pod-security-enforced').check(ns('upc-nlp', { 'ai-factory.eu/pod-security-reason': 'wants it' })).result).toBe(
      'non-compliant',
    );
    expect(rule('pod-security-enforced').check(ns('gpu-operator')).result).toBe('non-compliant');
  });

  test('a violation fails synthesis with the construct path, the check it mirrors and the fix', () => {
    const stack = new TerraformStack(Testing.app(), 'probe-stack');
    Aspects.of(stack).add(new PolicyAspect(rules));
    new CustomResource(stack, 'bad-job', {
      siteId: 'es-barcelona',
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'probe' },
      spec: { template: { spec: { containers: [{ name: 'c', ...good, image: 'busybox' }] } } },
    });
    new SiteNamespace(stack, 'tenant', {
      siteId: 'es-barcelona',
      name: 'upc-nlp',
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'no good reason',
    });
    new RoleBindingV1(stack, 'admin', {
      metadata: { name: 'everyone', namespace: 'upc-nlp' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subject: [{ kind: 'Group', name: 'all' }],
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      /\[probe-stack\/bad-job\/manifest\] image-tag-pinned \(Checkov CKV_K8S_14, kube-linter latest-tag\): Job probe container c uses image "busybox"\. Fix: pin the image/,
    );
    expect(() => Testing.synth(stack, true)).toThrow(
      /\[probe-stack\/tenant\/namespace\] pod-security-enforced .*namespace upc-nlp is privileged without a documented exception/,
    );
    expect(() => Testing.synth(stack, true)).toThrow(
      /\[probe-stack\/admin\] no-cluster-admin \(CIS Kubernetes Benchmark 5\.1\.1.*binding "everyone" grants cluster-admin/,
    );
  });
});
