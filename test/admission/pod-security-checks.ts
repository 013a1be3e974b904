/**
 * The Pod Security Standards checks as data, mirroring kubernetes/pod-security-admission
 * `policy/check_*.go` (tag v0.36.2): one entry per check, with the level it belongs to and the
 * baseline checks a restricted one replaces.
 */
import type { Container, Finding, PodSecurityCheck, PodSpec, SecurityContext } from './pod-spec';

// --- helpers shared by the checks (wording follows policy/helpers.go) ---

const pluralize = (singular: string, plural: string, n: number) => (n === 1 ? singular : plural);
const joinQuote = (items: Iterable<string>) => [...items].map((i) => `"${i}"`).join(', ');
const sorted = (items: Iterable<string>) => [...new Set(items)].sort();
const containersPhrase = (names: string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** Init, regular and ephemeral containers, in the order the upstream visitor walks them. */
const allContainers = (spec: PodSpec): Container[] => [
  ...(spec.initContainers ?? []),
  ...(spec.containers ?? []),
  ...(spec.ephemeralContainers ?? []),
];

const isWindows = (spec: PodSpec) => spec.os?.name === 'windows';
/** Pods in their own user namespace (`hostUsers: false`) get a relaxed /proc rule in baseline. */
const inUserNamespace = (spec: PodSpec) => spec.hostUsers === false;
/**
 * Running as root inside a user namespace is only relaxed behind the UserNamespacesPodSecurityStandards
 * feature gate (alpha, off by default in 1.35): off here, as on the clusters.
 */
const RELAX_ROOT_IN_USER_NAMESPACES = false;

/** Names of the containers for which `bad` holds. */
const containersWhere = (spec: PodSpec, bad: (c: Container) => boolean) =>
  allContainers(spec)
    .filter(bad)
    .map((c) => c.name);

const CAPABILITIES_BASELINE = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);
const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedProfileType = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';

/** Pod-level and container-level setters of a bad profile type (AppArmor, seccomp). */
function badProfileSetters(spec: PodSpec, field: 'seccompProfile' | 'appArmorProfile') {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = spec.securityContext?.[field];
  if (podProfile && !allowedProfileType(podProfile.type)) {
    setters.push('pod');
    values.push(String(podProfile.type ?? ''));
  }
  const containers = containersWhere(spec, (c) => {
    const profile = c.securityContext?.[field];
    if (!profile || allowedProfileType(profile.type)) return false;
    values.push(String(profile.type ?? ''));
    return true;
  });
  if (containers.length > 0) setters.push(containersPhrase(containers));
  return { setters, values: sorted(values) };
}

/** Host names set on probes and lifecycle handlers of one container. */
function probeHosts(c: Container): string[] {
  const handlers = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop];
  return handlers.flatMap((h) => [h?.httpGet?.host, h?.tcpSocket?.host]).filter((host): host is string => !!host);
}

function procMountFinding(spec: PodSpec): Finding | undefined {
  const types: string[] = [];
  const bad = containersWhere(spec, (c) => {
    const procMount = c.securityContext?.procMount;
    if (procMount === undefined || procMount === null || procMount === 'Default') return false;
    types.push(procMount);
    return true;
  });
  if (bad.length === 0) return undefined;
  return { reason: 'procMount', detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}` };
}

/** The checks of the standard, baseline first. */
export const POD_SECURITY_CHECKS: readonly PodSecurityCheck[] = [
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    control: 'HostProcess',
    check: ({ spec }) => {
      const setters = spec.securityContext?.windowsOptions?.hostProcess === true ? ['pod'] : [];
      const bad = containersWhere(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
      if (bad.length > 0) setters.push(containersPhrase(bad));
      if (setters.length === 0) return undefined;
      return { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    control: 'Host Namespaces',
    check: ({ spec }) => {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
      return set.length > 0 ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    control: 'Privileged Containers',
    check: ({ spec }) => {
      const bad = containersWhere(spec, (c) => c.securityContext?.privileged === true);
      if (bad.length === 0) return undefined;
      return { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    control: 'Capabilities',
    check: ({ spec }) => {
      const extra: string[] = [];
      const bad = containersWhere(spec, (c) => {
        const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !CAPABILITIES_BASELINE.has(cap));
        extra.push(...added);
        return added.length > 0;
      });
      if (bad.length === 0) return undefined;
      return {
        reason: 'non-default capabilities',
        detail: `${containersPhrase(bad)} must not include ${joinQuote(sorted(extra))} in securityContext.capabilities.add`,
      };
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    control: 'HostPath Volumes',
    check: ({ spec }) => {
      const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => v.name);
      if (bad.length === 0) return undefined;
      return { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` };
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    control: 'Host Ports',
    check: ({ spec }) => {
      const ports: string[] = [];
      const bad = containersWhere(spec, (c) => {
        const used = (c.ports ?? []).filter((p) => !!p.hostPort).map((p) => String(p.hostPort));
        ports.push(...used);
        return used.length > 0;
      });
      if (bad.length === 0) return undefined;
      const list = sorted(ports);
      return {
        reason: 'hostPort',
        detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
      };
    },
  },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    control: 'Probes / Lifecycle Hooks',
    check: ({ spec }) => {
      const hosts: string[] = [];
      const bad = containersWhere(spec, (c) => {
        const found = probeHosts(c);
        hosts.push(...found);
        return found.length > 0;
      });
      if (bad.length === 0) return undefined;
      const list = sorted(hosts);
      return {
        reason: 'probe or lifecycle host',
        detail: `${containersPhrase(sorted(bad))} ${pluralize('uses', 'use', bad.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${joinQuote(list)}`,
      };
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    control: 'AppArmor',
    check: ({ metadata, spec }) => {
      const { setters, values } = badProfileSetters(spec, 'appArmorProfile');
      const annotations = Object.entries(metadata.annotations ?? {})
        .filter(
          ([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')),
        )
        .map(([k, v]) => `${k}="${v}"`)
        .sort();
      if (annotations.length > 0) setters.push(pluralize('annotation', 'annotations', annotations.length));
      if (setters.length === 0) return undefined;
      const bad = [...values, ...annotations];
      return {
        reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', bad.length),
        detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(bad)}`,
      };
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    control: 'SELinux',
    check: ({ spec }) => {
      const types: string[] = [];
      let setUser = false;
      let setRole = false;
      const invalid = (opts: SecurityContext['seLinuxOptions']) => {
        if (!opts) return false;
        let bad = false;
        if (!SELINUX_TYPES.has(opts.type ?? '')) {
          types.push(opts.type ?? '');
          bad = true;
        }
        if (opts.user) bad = setUser = true;
        if (opts.role) bad = setRole = true;
        return bad;
      };
      const setters = invalid(spec.securityContext?.seLinuxOptions) ? ['pod'] : [];
      const bad = containersWhere(spec, (c) => invalid(c.securityContext?.seLinuxOptions));
      if (bad.length > 0) setters.push(containersPhrase(bad));
      if (setters.length === 0) return undefined;
      const data = [
        ...(types.length > 0 ? [`${pluralize('type', 'types', sorted(types).length)} ${joinQuote(sorted(types))}`] : []),
        ...(setUser ? ['user may not be set'] : []),
        ...(setRole ? ['role may not be set'] : []),
      ];
      return {
        reason: 'seLinuxOptions',
        detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
      };
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    control: '/proc Mount Type',
    check: ({ spec }) => (inUserNamespace(spec) ? undefined : procMountFinding(spec)),
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    control: 'Seccomp',
    check: ({ spec }) => {
      const { setters, values } = badProfileSetters(spec, 'seccompProfile');
      if (setters.length === 0) return undefined;
      return {
        reason: 'seccompProfile',
        detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(values)}`,
      };
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    control: 'Sysctls',
    check: ({ spec }) => {
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((name) => !SAFE_SYSCTLS.has(name));
      return bad.length > 0 ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    control: 'Volume Types',
    overrides: ['hostPathVolumes'],
    check: ({ spec }) => {
      const types: string[] = [];
      const bad = (spec.volumes ?? [])
        .filter((v) => {
          const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] != null);
          // A volume without a source is defaulted to emptyDir by the API server before admission.
          if (sources.length === 0 || sources.some((s) => RESTRICTED_VOLUME_SOURCES.has(s))) return false;
          types.push(sources[0]);
          return true;
        })
        .map((v) => v.name);
      if (bad.length === 0) return undefined;
      const list = sorted(types);
      return {
        reason: 'restricted volume types',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
      };
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    control: 'Privilege Escalation',
    check: ({ spec }) => {
      if (isWindows(spec)) return undefined;
      const bad = containersWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
      if (bad.length === 0) return undefined;
      return {
        reason: 'allowPrivilegeEscalation != false',
        detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
      };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    control: 'Running as Non-root',
    check: ({ spec }) => {
      if (RELAX_ROOT_IN_USER_NAMESPACES && inUserNamespace(spec)) return undefined;
      const pod = spec.securityContext?.runAsNonRoot;
      const setters = pod === false ? ['pod'] : [];
      const explicit = containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === false);
      if (explicit.length > 0) setters.push(containersPhrase(explicit));
      if (setters.length > 0) {
        return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
      }
      const implicit = pod === true ? [] : containersWhere(spec, (c) => c.securityContext?.runAsNonRoot == null);
      if (implicit.length === 0) return undefined;
      return { reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` };
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    control: 'Running as Non-root user',
    check: ({ spec }) => {
      if (RELAX_ROOT_IN_USER_NAMESPACES && inUserNamespace(spec)) return undefined;
      const setters = spec.securityContext?.runAsUser === 0 ? ['pod'] : [];
      const bad = containersWhere(spec, (c) => c.securityContext?.runAsUser === 0);
      if (bad.length > 0) setters.push(containersPhrase(bad));
      return setters.length > 0 ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    control: 'Seccomp',
    overrides: ['seccompProfile_baseline'],
    check: ({ spec }) => {
      if (isWindows(spec)) return undefined;
      const { setters, values } = badProfileSetters(spec, 'seccompProfile');
      if (setters.length > 0) {
        return {
          reason: 'seccompProfile',
          detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(values)}`,
        };
      }
      const podSet = spec.securityContext?.seccompProfile != null;
      const implicit = podSet ? [] : containersWhere(spec, (c) => c.securityContext?.seccompProfile == null);
      if (implicit.length === 0) return undefined;
      return {
        reason: 'seccompProfile',
        detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    control: 'Capabilities',
    overrides: ['capabilities_baseline'],
    check: ({ spec }) => {
      if (isWindows(spec)) return undefined;
      const forbidden: string[] = [];
      const missingDropAll = containersWhere(spec, (c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
      const adding = containersWhere(spec, (c) => {
        const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        forbidden.push(...added);
        return added.length > 0;
      });
      const details = [
        ...(missingDropAll.length > 0 ? [`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`] : []),
        ...(adding.length > 0
          ? [`${containersPhrase(adding)} must not include ${joinQuote(sorted(forbidden))} in securityContext.capabilities.add`]
          : []),
      ];
      return details.length > 0 ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'procMount_restricted',
    level: 'restricted',
    control: '/proc Mount Type',
    overrides: ['procMount'],
    check: ({ spec }) => procMountFinding(spec),
  },
];
