/** The pod fields the Pod Security checks read, and where a workload keeps its pod template. */
/** Only the pod fields the checks read; everything is optional, as in the API. */
export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name: string; value?: string }[];
}

interface Handler {
  httpGet?: { host?: string };
  tcpSocket?: { host?: string };
}

export interface Container {
  name: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContext;
  livenessProbe?: Handler;
  readinessProbe?: Handler;
  startupProbe?: Handler;
  lifecycle?: { postStart?: Handler; preStop?: Handler };
}

type Volume = { name: string } & Record<string, unknown>;

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  os?: { name?: string };
  securityContext?: SecurityContext;
}

export interface PodMetadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodTemplate {
  metadata: PodMetadata;
  spec: PodSpec;
}

export type PodSecurityLevel = 'baseline' | 'restricted';

/** A failed check, worded like the PodSecurity plugin: a short reason and the offending fields. */
export interface Finding {
  reason: string;
  detail: string;
}

/** One control of the standard. `overrides` names the baseline checks this restricted check replaces. */
export interface PodSecurityCheck {
  id: string;
  level: PodSecurityLevel;
  control: string;
  overrides?: string[];
  check: (pod: PodTemplate) => Finding | undefined;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
};

/**
 * The pod (template) of a Pod, of a workload that carries a pod template, or of a bare
 * `{metadata, spec}` template. Throws when `obj` holds no pod spec.
 */
export function podSpecOf(obj: unknown): PodTemplate {
  if (!isTree(obj)) throw new Error('podSpecOf: expected an object');
  const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  let template: unknown = obj;
  if (kind && kind !== 'Pod') {
    const path = TEMPLATE_PATHS[kind];
    if (!path) throw new Error(`podSpecOf: ${kind} carries no pod template`);
    template = path.reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), obj);
  }
  if (!isTree(template) || !isTree(template.spec)) throw new Error(`podSpecOf: no pod spec in ${kind ?? 'object'}`);
  return { metadata: (isTree(template.metadata) ? template.metadata : {}) as PodMetadata, spec: template.spec as PodSpec };
}
