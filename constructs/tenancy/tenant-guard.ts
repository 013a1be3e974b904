import { Construct } from 'constructs';
import { CustomResource } from '../custom-resource';
import { ADMISSION_POLICIES, KUEUE, MULTUS_NETWORKS_ANNOTATION, NVIDIA_RUNTIME_CLASS, PRIORITY_CLASS, TENANT_LABEL } from '../contract';

/** The ValidatingAdmissionPolicy every tenant pod must pass: Pod Security restricted plus IPC_LOCK. */
export const TENANT_POD_GUARD = ADMISSION_POLICIES.tenantPods;
/** The ValidatingAdmissionPolicy that keeps tenants' objects off the reserved Kueue priorities. */
export const TENANT_PRIORITY_GUARD = ADMISSION_POLICIES.tenantPriorities;

/** The ValidatingAdmissionPolicy that holds object bucket claims to the tenant's limits. */
export const TENANT_BUCKET_GUARD = ADMISSION_POLICIES.tenantBuckets;

/** The ValidatingAdmissionPolicy that keeps tenants' Services inside the cluster. */
export const TENANT_SERVICE_GUARD = ADMISSION_POLICIES.tenantServices;

/** Capabilities a tenant container may add: restricted's NET_BIND_SERVICE, and IPC_LOCK for RDMA. */
export const TENANT_CAPABILITIES = ['NET_BIND_SERVICE', 'IPC_LOCK'] as const;
/** PriorityClasses tenant pods may name (or none). The others preempt production or are the checks'. */
export const TENANT_PRIORITY_CLASSES = [PRIORITY_CLASS.production, PRIORITY_CLASS.preemptible] as const;
/** Kueue WorkloadPriorityClasses tenants may name (or none): all but the acceptance checks'. */
export const TENANT_WORKLOAD_PRIORITIES = ['production', 'standard', 'preemptible'] as const;
/** RuntimeClasses tenant pods may name (or none). GPUs still come only through requests. */
export const TENANT_RUNTIME_CLASSES = [NVIDIA_RUNTIME_CLASS] as const;

/** Multus annotation replacing a pod's cluster network. */
const MULTUS_DEFAULT_NETWORK_ANNOTATION = 'v1.multus-cni.io/default-network';

// Pod Security Standards v1.35 data the restricted profile allows.
// @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
const BASELINE_CAPABILITIES = [
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
];
const RESTRICTED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
const SECCOMP_CONFINED = ['RuntimeDefault', 'Localhost'];

const list = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** `a.b.c` is set: `has()` on every step, because CEL errors on a missing parent. */
function isSet(root: string, path: string): string {
  const steps = path.split('.');
  return steps.map((_, i) => `has(${root}.${steps.slice(0, i + 1).join('.')})`).join(' && ');
}
/** `a.b.c` is unset, or its value satisfies `test` (written over the value's full path); parenthesised. */
function unsetOr(root: string, path: string, test: (value: string) => string): string {
  return `(!(${isSet(root, path)}) || ${test(`${root}.${path}`)})`;
}

/**
 * `predicate` (over `c`) holds for every container, init container and ephemeral container. Each
 * list is its own type in Kubernetes' CEL type checker, so they are never concatenated.
 */
function everyContainer(predicate: string): string {
  return [
    `object.spec.containers.all(c, ${predicate})`,
    `!has(object.spec.initContainers) || object.spec.initContainers.all(c, ${predicate})`,
    `!has(object.spec.ephemeralContainers) || object.spec.ephemeralContainers.all(c, ${predicate})`,
  ]
    .map((e) => `(${e})`)
    .join(' && ');
}

const podSc = (path: string) => isSet('object.spec', `securityContext.${path}`);
const linuxOnly = (expression: string) => `variables.windows || (${expression})`;
/** SELinux options at `root`: only the type, one of the container types; no user or role. */
const seLinux = (root: string) =>
  ['type', 'user', 'role']
    .map((f) =>
      unsetOr(root, `securityContext.seLinuxOptions.${f}`, (v) => (f === 'type' ? `${v} in ${list(SELINUX_TYPES)}` : `${v} == ''`)),
    )
    .map((e) => `(${e})`)
    .join(' && ');

interface Validation {
  readonly expression: string;
  readonly message: string;
}

/** Pod Security `restricted` (v1.35) as CEL, with IPC_LOCK added to the capabilities it allows. */
const RESTRICTED_PLUS_IPC_LOCK: readonly Validation[] = [
  {
    expression: ['hostNetwork', 'hostPID', 'hostIPC'].map((f) => `!(has(object.spec.${f}) && object.spec.${f})`).join(' && '),
    message: 'host namespaces (hostNetwork, hostPID, hostIPC) are not allowed',
  },
  {
    expression: everyContainer(unsetOr('c', 'securityContext.privileged', (v) => `!${v}`)),
    message: 'privileged containers are not allowed',
  },
  {
    expression: `${unsetOr('object.spec', 'securityContext.windowsOptions.hostProcess', (v) => `!${v}`)} && (${everyContainer(
      unsetOr('c', 'securityContext.windowsOptions.hostProcess', (v) => `!${v}`),
    )})`,
    message: 'Windows HostProcess containers are not allowed',
  },
  {
    expression: everyContainer(unsetOr('c', 'securityContext.capabilities.add', (v) => `${v}.all(a, a in variables.allowedCapabilities)`)),
    message: `containers may add only ${TENANT_CAPABILITIES.join(' and ')} (restricted, plus IPC_LOCK for RDMA memory registration)`,
  },
  {
    expression: linuxOnly(
      everyContainer(`${isSet('c', 'securityContext.capabilities.drop')} && 'ALL' in c.securityContext.capabilities.drop`),
    ),
    message: 'containers must drop ALL capabilities',
  },
  {
    expression: `!has(object.spec.volumes) || object.spec.volumes.all(v, ${RESTRICTED_VOLUME_SOURCES.map((s) => `has(v.${s})`).join(' || ')})`,
    message: `volumes must be one of ${RESTRICTED_VOLUME_SOURCES.join(', ')} (no hostPath)`,
  },
  {
    expression: everyContainer(`!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)`),
    message: 'host ports are not allowed',
  },
  {
    expression: [
      `!has(object.metadata.annotations) || object.metadata.annotations.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || object.metadata.annotations[k] == 'runtime/default' || object.metadata.annotations[k].startsWith('localhost/'))`,
      unsetOr('object.spec', 'securityContext.appArmorProfile.type', (v) => `${v} in ${list(SECCOMP_CONFINED)}`),
      everyContainer(unsetOr('c', 'securityContext.appArmorProfile.type', (v) => `${v} in ${list(SECCOMP_CONFINED)}`)),
    ]
      .map((e) => `(${e})`)
      .join(' && '),
    message: 'AppArmor may only be RuntimeDefault or Localhost',
  },
  {
    expression: `${seLinux('object.spec')} && (${everyContainer(seLinux('c'))})`,
    message: `SELinux options may set only the type, one of ${SELINUX_TYPES.filter(Boolean).join(', ')}`,
  },
  {
    // Probes and lifecycle hooks may not aim at another host (Pod Security v1.34).
    expression: everyContainer(
      [...['livenessProbe', 'readinessProbe', 'startupProbe'], ...['postStart', 'preStop'].map((hook) => `lifecycle.${hook}`)]
        .flatMap((handler) => ['httpGet', 'tcpSocket'].map((kind) => unsetOr('c', `${handler}.${kind}.host`, (v) => `${v} == ''`)))
        .join(' && '),
    ),
    message: 'probes and lifecycle hooks may not set a host',
  },
  {
    expression: everyContainer(unsetOr('c', 'securityContext.procMount', (v) => `${v} == 'Default'`)),
    message: 'procMount must be Default',
  },
  {
    expression: `${unsetOr('object.spec', 'securityContext.seccompProfile.type', (v) => `${v} != 'Unconfined'`)} && (${everyContainer(
      unsetOr('c', 'securityContext.seccompProfile.type', (v) => `${v} != 'Unconfined'`),
    )})`,
    message: 'seccomp may not be Unconfined',
  },
  {
    expression: linuxOnly(
      `(${podSc('seccompProfile.type')} && object.spec.securityContext.seccompProfile.type in ${list(SECCOMP_CONFINED)}) ? (${everyContainer(
        unsetOr('c', 'securityContext.seccompProfile.type', (v) => `${v} in ${list(SECCOMP_CONFINED)}`),
      )}) : (${everyContainer(`${isSet('c', 'securityContext.seccompProfile.type')} && c.securityContext.seccompProfile.type in ${list(SECCOMP_CONFINED)}`)})`,
    ),
    message: 'seccompProfile.type must be RuntimeDefault or Localhost, on the pod or on every container',
  },
  {
    expression: unsetOr('object.spec', 'securityContext.sysctls', (v) => `${v}.all(s, s.name in ${list(SAFE_SYSCTLS)})`),
    message: 'only the safe sysctls are allowed',
  },
  {
    expression: linuxOnly(
      everyContainer(`${isSet('c', 'securityContext.allowPrivilegeEscalation')} && c.securityContext.allowPrivilegeEscalation == false`),
    ),
    message: 'containers must set allowPrivilegeEscalation: false',
  },
  {
    expression: `${unsetOr('object.spec', 'securityContext.runAsNonRoot', (v) => v)} && ((${podSc('runAsNonRoot')}) ? (${everyContainer(
      unsetOr('c', 'securityContext.runAsNonRoot', (v) => v),
    )}) : (${everyContainer(`${isSet('c', 'securityContext.runAsNonRoot')} && c.securityContext.runAsNonRoot`)}))`,
    message: 'runAsNonRoot must be true, on the pod or on every container',
  },
  {
    expression: `${unsetOr('object.spec', 'securityContext.runAsUser', (v) => `${v} != 0`)} && (${everyContainer(
      unsetOr('c', 'securityContext.runAsUser', (v) => `${v} != 0`),
    )})`,
    message: 'runAsUser may not be 0 (root)',
  },
];

/** What only this fleet restricts: reserved priorities, runtime classes, nodes and networks. */
const TENANT_RULES: readonly Validation[] = [
  {
    expression: `!has(object.spec.priorityClassName) || object.spec.priorityClassName in ${list(TENANT_PRIORITY_CLASSES)}`,
    message: `priorityClassName may only be ${TENANT_PRIORITY_CLASSES.join(' or ')}: the others are reserved for the platform and its checks`,
  },
  {
    expression: `!has(object.spec.runtimeClassName) || object.spec.runtimeClassName in ${list(TENANT_RUNTIME_CLASSES)}`,
    message: `runtimeClassName may only be ${TENANT_RUNTIME_CLASSES.join(', ')}`,
  },
  {
    // A pod created with a node name skips the scheduler, and with it the pools' taints.
    expression: `request.operation != 'CREATE' || !has(object.spec.nodeName) || object.spec.nodeName == ''`,
    message: 'spec.nodeName may not be set: pods reach nodes through the scheduler and their queue',
  },
  {
    // A bare name resolves in the pod's own namespace; "other/name" would reach another tenant's
    // network. The JSON form (for static addresses) may not name a namespace, nor escape a key.
    expression: `variables.networks == '' || (variables.networks.startsWith('[') ? !variables.networks.contains('namespace') && !variables.networks.contains('\\\\') : variables.networks.matches('^\\\\s*[a-z0-9]([-a-z0-9]*[a-z0-9])?(@[A-Za-z0-9_.-]+)?(\\\\s*,\\\\s*[a-z0-9]([-a-z0-9]*[a-z0-9])?(@[A-Za-z0-9_.-]+)?)*\\\\s*$'))`,
    message: `${MULTUS_NETWORKS_ANNOTATION} may only attach networks of the pod's own namespace: bare names (name or name@interface), or JSON without "namespace"`,
  },
  {
    expression: `!has(object.metadata.annotations) || !('${MULTUS_DEFAULT_NETWORK_ANNOTATION}' in object.metadata.annotations)`,
    message: `${MULTUS_DEFAULT_NETWORK_ANNOTATION} may not replace the cluster network`,
  },
];

export interface TenantGuardProps {
  readonly siteId: string;
  /**
   * Hold object bucket claims to each tenant's limits: a ConfigMap named after the tenant (keys
   * storageClass, maxBucketSize) in `namespace`, which tenants cannot write.
   * @default - no bucket guard (no object tier in the cluster)
   */
  readonly bucketLimits?: { readonly namespace: string; readonly tenants: readonly string[] };
}

/**
 * Admission guards for every namespace labelled as a tenant's, with Kubernetes' own
 * ValidatingAdmissionPolicy (no extra engine):
 *  - pods: Pod Security `restricted` plus IPC_LOCK (which RDMA needs and no Pod Security level
 *    allows without also allowing far more), no reserved PriorityClass, no RuntimeClass but the
 *    allowed, no node name, secondary networks only from the pod's own namespace;
 *  - any object: no reserved Kueue WorkloadPriorityClass label.
 * Tenant namespaces enforce Pod Security `privileged` (so IPC_LOCK can pass) and warn/audit
 * `restricted`; these policies, bound with Deny, are what enforces.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class TenantGuard extends Construct {
  readonly podPolicy: CustomResource;
  readonly priorityPolicy: CustomResource;
  readonly servicePolicy: CustomResource;
  readonly bucketPolicy?: CustomResource;
  /** Every binding: tenant namespaces become privileged only once these exist. */
  readonly bindings: CustomResource[] = [];

  constructor(scope: Construct, id: string, props: TenantGuardProps) {
    super(scope, id);
    const tenantNamespaces = { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] };
    const admission = (rid: string, kind: string, name: string, spec: Record<string, unknown>) =>
      new CustomResource(this, rid, {
        siteId: props.siteId,
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind,
        metadata: { name },
        spec,
      });
    const binding = (rid: string, name: string, policyName: string, namespaceSelector: object, paramRef?: object) => {
      this.bindings.push(
        admission(rid, 'ValidatingAdmissionPolicyBinding', name, {
          policyName,
          validationActions: ['Deny'],
          ...(paramRef ? { paramRef } : {}),
          matchResources: { namespaceSelector },
        }),
      );
    };
    const policy = (rid: string, name: string, spec: Record<string, unknown>, bound = true) => {
      const created = admission(rid, 'ValidatingAdmissionPolicy', name, { failurePolicy: 'Fail', ...spec });
      if (bound) binding(`${rid}-binding`, name, name, tenantNamespaces);
      return created;
    };

    this.podPolicy = policy('pods', TENANT_POD_GUARD, {
      matchConstraints: {
        resourceRules: [
          // A pod's spec is fixed once created; only ephemeral containers are added later.
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] },
          { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'] },
        ],
      },
      variables: [
        { name: 'windows', expression: `${isSet('object.spec', 'os.name')} && object.spec.os.name == 'windows'` },
        {
          name: 'networks',
          expression: `has(object.metadata.annotations) && '${MULTUS_NETWORKS_ANNOTATION}' in object.metadata.annotations ? object.metadata.annotations['${MULTUS_NETWORKS_ANNOTATION}'] : ''`,
        },
        {
          name: 'networks',
          expression: `has(object.metadata.annotations) && '${MULTUS_NETWORKS_ANNOTATION}' in object.metadata.annotations ? object.metadata.annotations['${MULTUS_NETWORKS_ANNOTATION}'] : ''`,
        },
        {
          // Windows pods keep Pod Security's baseline capability list (restricted exempts them).
          name: 'allowedCapabilities',
          expression: `variables.windows ? ${list(BASELINE_CAPABILITIES)} : ${list(TENANT_CAPABILITIES)}`,
        },
      ],
      validations: [...RESTRICTED_PLUS_IPC_LOCK, ...TENANT_RULES],
    });

    const label = `'${KUEUE.priorityClassLabel}'`;
    this.priorityPolicy = policy('priorities', TENANT_PRIORITY_GUARD, {
      matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['*'] }] },
      matchConditions: [
        { name: 'carries-kueue-priority', expression: `has(object.metadata.labels) && ${label} in object.metadata.labels` },
      ],
      validations: [
        {
          expression: `object.metadata.labels[${label}] in ${list(TENANT_WORKLOAD_PRIORITIES)}`,
          message: `${KUEUE.priorityClassLabel} may only be ${TENANT_WORKLOAD_PRIORITIES.join(', ')}: the others are reserved for the platform's checks`,
        },
      ],
    });

    // Tenants reach their services through the gateway: no node ports, load balancers or external
    // IPs (which could capture traffic meant for other addresses, CVE-2020-8554).
    this.servicePolicy = policy('services', TENANT_SERVICE_GUARD, {
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }],
      },
      validations: [
        {
          expression: "!has(object.spec.type) || object.spec.type == 'ClusterIP'",
          message: 'Services of tenants are ClusterIP only; endpoints are published through the site gateway',
        },
        {
          expression: '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
          message: 'Services of tenants may not set externalIPs',
        },
      ],
    });

    if (props.bucketLimits) {
      const maxSize = 'object.spec.additionalConfig.maxSize';
      this.bucketPolicy = policy(
        'buckets',
        TENANT_BUCKET_GUARD,
        {
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ['objectbucket.io'],
                apiVersions: ['v1alpha1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['objectbucketclaims'],
              },
            ],
          },
          // Updates that leave the spec alone (Rook's status, finalizers and labels) pass.
          matchConditions: [{ name: 'spec-written', expression: "request.operation == 'CREATE' || object.spec != oldObject.spec" }],
          validations: [
            {
              expression: 'has(object.spec.storageClassName) && object.spec.storageClassName == params.data.storageClass',
              messageExpression: "'storageClassName must be ' + params.data.storageClass",
            },
            {
              expression: `has(object.spec.additionalConfig) && 'maxSize' in object.spec.additionalConfig && isQuantity(${maxSize}) && quantity(${maxSize}).compareTo(quantity(params.data.maxBucketSize)) <= 0`,
              messageExpression:
                "'spec.additionalConfig.maxSize must be set, at most ' + params.data.maxBucketSize + ' (the tenant share of the object tier over its bucket count)'",
            },
          ],
        },
        false,
      );
      // One binding per tenant: its limits live where tenants cannot write them.
      for (const tenant of props.bucketLimits.tenants) {
        binding(
          `buckets-binding-${tenant}`,
          `${TENANT_BUCKET_GUARD}-${tenant}`,
          TENANT_BUCKET_GUARD,
          { matchLabels: { [TENANT_LABEL]: tenant } },
          { name: tenant, namespace: props.bucketLimits.namespace, parameterNotFoundAction: 'Deny' },
        );
      }
    }
  }
}
