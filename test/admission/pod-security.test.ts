import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checksFor, POD_SECURITY_CHECKS, podSecurityViolations, podSpecOf, type PodSecurityLevel } from './pod-security';

/** Kubernetes' own PodSecurity fixtures (see test/fixtures/upstream/SOURCES.md). */
const TESTDATA = join(__dirname, '..', 'fixtures', 'upstream', 'pod-security-admission', 'v0.36.2', 'testdata');

const fixtures = (level: PodSecurityLevel, outcome: 'pass' | 'fail'): [string, unknown][] => {
  const dir = join(TESTDATA, level, 'v1.35', outcome);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [f, parseYaml(readFileSync(join(dir, f), 'utf8'))]);
};

/** The check id in a violation message `"<control> (<id>): ..."`. */
const checkId = (violation: string) => violation.slice(violation.indexOf('(') + 1, violation.indexOf(')'));

/** Upstream names each fail fixture after the check it breaks; at restricted, a replaced baseline check reports as its replacement. */
function expectedCheck(level: PodSecurityLevel, file: string): string {
  const stem = file.replace(/\d+\.yaml$/, '');
  const named = POD_SECURITY_CHECKS.find((c) => c.id.toLowerCase() === stem);
  if (!named) throw new Error(`no check named like ${file}`);
  if (level === 'baseline') return named.id;
  return POD_SECURITY_CHECKS.find((c) => c.overrides?.includes(named.id))?.id ?? named.id;
}

describe.each(['baseline', 'restricted'] as const)('Pod Security Standards %s v1.35 on the upstream fixtures', (level) => {
  const pass = fixtures(level, 'pass');
  const fail = fixtures(level, 'fail');

  test('the fixture set is complete', () => {
    expect([pass.length, fail.length]).toEqual(level === 'baseline' ? [15, 34] : [23, 76]);
  });

  test.each(pass)(`pass/%s is admitted at ${level}`, (_file, pod) => {
    expect(podSecurityViolations(level, pod)).toEqual([]);
  });

  test.each(fail)(`fail/%s is rejected at ${level}, by the check it is named after`, (file, pod) => {
    const violations = podSecurityViolations(level, pod);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.map(checkId)).toContain(expectedCheck(level, file));
  });
});

describe('Pod Security Standards evaluator', () => {
  test.each(fixtures('restricted', 'pass'))('restricted pass/%s also passes baseline', (_file, pod) => {
    expect(podSecurityViolations('baseline', pod)).toEqual([]);
  });

  const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };

  test('a pod with only a container name and image passes baseline', () => {
    expect(podSecurityViolations('baseline', bare)).toEqual([]);
  });

  test('the same pod fails restricted for exactly the four missing settings', () => {
    const violations = podSecurityViolations('restricted', bare);
    expect(violations.map(checkId)).toEqual([
      'allowPrivilegeEscalation',
      'runAsNonRoot',
      'seccompProfile_restricted',
      'capabilities_restricted',
    ]);
    expect(violations).toContain(
      'Privilege Escalation (allowPrivilegeEscalation): allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
    );
  });

  const hardened = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  };

  test('pod-level runAsNonRoot and seccompProfile cover every container', () => {
    expect(podSecurityViolations('restricted', { kind: 'Pod', spec: hardened })).toEqual([]);
  });

  test('a container-level seccompProfile overrides the pod one', () => {
    const spec = {
      ...hardened,
      initContainers: [
        {
          ...hardened.containers[0],
          name: 'init',
          securityContext: { ...hardened.containers[0].securityContext, seccompProfile: { type: 'Unconfined' } },
        },
      ],
    };
    expect(podSecurityViolations('restricted', { kind: 'Pod', spec })).toEqual([
      'Seccomp (seccompProfile_restricted): seccompProfile (container "init" must not set securityContext.seccompProfile.type to "Unconfined")',
    ]);
    expect(podSecurityViolations('baseline', { kind: 'Pod', spec })).toHaveLength(1);
  });

  test('ephemeral containers are checked too', () => {
    const spec = { ...hardened, ephemeralContainers: [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }] };
    const baseline = podSecurityViolations('baseline', { kind: 'Pod', spec });
    expect(baseline).toEqual([
      'Privileged Containers (privileged): privileged (container "debug" must not set securityContext.privileged=true)',
    ]);
  });

  test('restricted NET_BIND_SERVICE is the only capability that may be added', () => {
    const withCaps = (add: string[]) => ({
      kind: 'Pod',
      spec: {
        ...hardened,
        containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add } } }],
      },
    });
    expect(podSecurityViolations('restricted', withCaps(['NET_BIND_SERVICE']))).toEqual([]);
    expect(podSecurityViolations('restricted', withCaps(['CHOWN']))).toEqual([
      'Capabilities (capabilities_restricted): unrestricted capabilities (container "c" must not include "CHOWN" in securityContext.capabilities.add)',
    ]);
    expect(podSecurityViolations('baseline', withCaps(['CHOWN']))).toEqual([]);
    expect(podSecurityViolations('baseline', withCaps(['SYS_ADMIN']))).toHaveLength(1);
  });

  test('Windows pods are exempt from the restricted seccomp, capabilities and privilege escalation checks', () => {
    const windows = {
      kind: 'Pod',
      spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'c' }] },
    };
    expect(podSecurityViolations('restricted', windows)).toEqual([]);
    expect(podSecurityViolations('restricted', { ...windows, spec: { ...windows.spec, os: { name: 'linux' } } })).toHaveLength(3);
  });

  test('user-namespaced pods (hostUsers: false) still may not run as root at restricted (the relaxing feature gate is off)', () => {
    const spec = { ...hardened, hostUsers: false, securityContext: { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } };
    expect(podSecurityViolations('restricted', { kind: 'Pod', spec }).join('\n')).toMatch(/runAsUser=0/);
  });

  test('unsafe sysctls, host paths and restricted volume types are reported', () => {
    const spec = {
      ...hardened,
      securityContext: {
        ...hardened.securityContext,
        sysctls: [
          { name: 'kernel.msgmax', value: '1' },
          { name: 'net.ipv4.tcp_rmem', value: '1' },
        ],
      },
      volumes: [
        { name: 'host', hostPath: { path: '/' } },
        { name: 'share', nfs: { server: 'nfs', path: '/' } },
        { name: 'ok', emptyDir: {} },
      ],
    };
    expect(podSecurityViolations('baseline', { kind: 'Pod', spec })).toEqual([
      'HostPath Volumes (hostPathVolumes): hostPath volumes (volume "host")',
      'Sysctls (sysctls): forbidden sysctls (kernel.msgmax)',
    ]);
    expect(podSecurityViolations('restricted', { kind: 'Pod', spec })).toEqual([
      'Sysctls (sysctls): forbidden sysctls (kernel.msgmax)',
      'Volume Types (restrictedVolumes): restricted volume types (volumes "host", "share" use restricted volume types "hostPath", "nfs")',
    ]);
  });

  test.each([
    ['Deployment', { kind: 'Deployment', spec: { template: { spec: hardened } } }],
    ['Job', { kind: 'Job', spec: { template: { metadata: { labels: { a: 'b' } }, spec: hardened } } }],
    ['CronJob', { kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: hardened } } } } }],
    ['bare template', { metadata: {}, spec: hardened }],
  ])('reads the pod template of a %s', (_kind, obj) => {
    expect(podSpecOf(obj).spec).toBe(hardened);
    expect(podSecurityViolations('restricted', obj)).toEqual([]);
  });

  test('objects without a pod template are refused', () => {
    expect(() => podSpecOf({ kind: 'ConfigMap', data: {} })).toThrow(/carries no pod template/);
    expect(() => podSpecOf({ kind: 'Deployment', spec: {} })).toThrow(/no pod spec/);
  });

  test('restricted replaces the baseline checks it tightens', () => {
    const ids = checksFor('restricted').map((c) => c.id);
    for (const replaced of ['capabilities_baseline', 'hostPathVolumes', 'seccompProfile_baseline', 'procMount'])
      expect(ids).not.toContain(replaced);
    expect(checksFor('baseline').every((c) => c.level === 'baseline')).toBe(true);
  });
});
