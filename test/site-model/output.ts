/** The synthesized stacks of a site as the rules read them, and the Kubernetes matching rules they share. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is read as plain data.
export type Obj = Record<string, any>;

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** Kubernetes' rule: does one toleration match one taint. */
export function tolerationMatches(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  const operator = t.operator ?? 'Equal';
  if (!t.key) return operator === 'Exists';
  if (t.key !== taint.key) return false;
  return operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** A pod may be scheduled on a node when every NoSchedule and NoExecute taint is tolerated. */
export function tolerates(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[]): boolean {
  return taints
    .filter((t) => t.effect !== 'PreferNoSchedule')
    .every((taint) => (tolerations ?? []).some((t) => tolerationMatches(t, taint)));
}

/**
 * Replaces Terraform references to another resource's name (`${type.name.metadata[0].name}`)
 * by the name itself, as Terraform would when it applies the stack.
 */
export function resolveNameRefs<T>(stack: T): T {
  const resources = ((stack as Obj)?.resource ?? {}) as Obj;
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const m = /^\$\{([\w-]+)\.([\w-]+)\.metadata\[0\]\.name\}$/.exec(node);
      return m && resources[m[1]]?.[m[2]] ? resources[m[1]][m[2]].metadata.name : node;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    return node;
  };
  return visit(stack) as T;
}

/** The synthesized stacks of one site, as Terraform JSON. */
export interface SiteOutput {
  readonly site: string;
  readonly foundation: Obj;
  readonly platform: Obj;
  readonly tenants?: Obj;
}

export const resourcesOf = (stack: Obj | undefined, type: string): [string, Obj][] =>
  Object.entries((stack?.resource?.[type] ?? {}) as Obj);
export const manifestsOf = (stack: Obj | undefined): Obj[] => resourcesOf(stack, 'kubernetes_manifest').map(([, r]) => r.manifest);

export interface Release {
  readonly address: string;
  readonly chart: string;
  readonly values: Obj;
  readonly dependsOn: string[];
}

export function releases(out: SiteOutput): Release[] {
  return resourcesOf(out.foundation, 'helm_release').map(([name, r]) => ({
    address: `helm_release.${name}`,
    chart: r.chart,
    values: (parseYaml(r.values?.[0] ?? '{}') ?? {}) as Obj,
    dependsOn: r.depends_on ?? [],
  }));
}

const UPSTREAM = join(__dirname, '..', 'fixtures', 'upstream');
/** A chart's default values, for settings the fleet leaves at the default (node-exporter's tolerations). */
export function chartDefault(path: string): Obj {
  return parseYaml(readFileSync(join(UPSTREAM, path), 'utf8')) as Obj;
}

// ---------------------------------------------------------------- nodes

export interface PoolNodes {
  readonly pool: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
  /** The MIG layout the node label selects, if any. */
  readonly migConfig?: string;
}

/** The GPU node kinds the NodeFeatureRules create: one per pool, with its labels and taints. */
export function poolNodes(out: SiteOutput): PoolNodes[] {
  return manifestsOf(out.platform)
    .filter((m) => m.kind === 'NodeFeatureRule' && m.metadata.name.startsWith('pool-'))
    .map((m) => {
      const rule = m.spec.rules[0];
      return {
        pool: rule.labels['ai-factory.eu/pool'],
        labels: { ...rule.labels, 'ai-factory.eu/rack': 'any', 'ai-factory.eu/block': 'any' },
        taints: rule.taints ?? [],
        migConfig: rule.labels['nvidia.com/mig.config'],
      };
    });
}

export interface Workload {
  readonly name: string;
  /** The pod template's labels. */
  readonly labels: Record<string, string>;
  readonly namespace: string;
  readonly queue?: string;
  readonly count: number;
  readonly pod: Obj;
  readonly annotations: Record<string, string>;
}

/** Jobs and CronJobs (their job template) of a stack. */
export function workloads(stack: Obj | undefined): Workload[] {
  return manifestsOf(stack)
    .filter((m) => m.kind === 'Job' || m.kind === 'CronJob')
    .map((m) => {
      const job = m.kind === 'CronJob' ? m.spec.jobTemplate : m;
      const labels = { ...(m.metadata.labels ?? {}), ...(job.metadata?.labels ?? {}) };
      return {
        name: `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`,
        namespace: m.metadata.namespace,
        queue: labels['kueue.x-k8s.io/queue-name'],
        count: job.spec.parallelism ?? 1,
        pod: job.spec.template.spec,
        labels: job.spec.template.metadata?.labels ?? {},
        annotations: job.spec.template.metadata?.annotations ?? {},
      };
    });
}

/** Does a label selector (matchLabels and In/NotIn/Exists expressions) select these labels. */
export function selects(selector: Obj, labels: Record<string, string>): boolean {
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((e: Obj) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    return false;
  });
}
