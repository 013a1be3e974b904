/**
 * Compares two synth outputs (`cdktf.out` folders) stack by stack: resources added, changed (with
 * the changed fields) and removed, and which of those destroy something that holds data or
 * tenants. Terraform is not run: replacement is inferred from the fields the kubernetes and helm
 * providers cannot update in place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ResourceChange {
  /** `<type>.<name>` as in the stack's Terraform configuration. */
  readonly address: string;
  /** The construct path, easier to read than the address. */
  readonly path: string;
  /** `forget`: left out of the config by a `removed` block with destroy = false: kept on the cluster, no longer managed. */
  readonly action: 'add' | 'change' | 'replace' | 'remove' | 'forget';
  readonly fields: FieldChange[];
  /** Why removing or replacing it destroys something that matters; undefined when it does not. */
  readonly destructive?: string;
}

export interface StackDiff {
  readonly id: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly resources: ResourceChange[];
  /** Changes to the backend, providers or required providers. */
  readonly settings: FieldChange[];
  /** Why the whole stack's change is destructive (it leaves the config); address: the stack id. */
  readonly destructive?: string;
  /** Destructive changes of the stack's settings; addresses `<stack>:backend`, `<stack>:provider`. */
  readonly destructiveSettings?: SettingsChange[];
  /** Resources of the stack on the side that has it (for added and removed stacks). */
  readonly resourceCount: number;
}

export interface SettingsChange {
  readonly address: string;
  readonly reason: string;
}

export interface SynthDiff {
  readonly stacks: StackDiff[];
}

interface StackJson {
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  /** Terraform `removed` blocks: resources the stack lets go of. */
  removed?: { from?: string; lifecycle?: { destroy?: boolean } }[];
}

/** The stacks of a synth output, by id (empty when the folder has no manifest). */
export function readSynthOutput(dir: string): Map<string, StackJson> {
  const manifestPath = join(dir, 'manifest.json');
  const stacks = new Map<string, StackJson>();
  if (!existsSync(manifestPath)) return stacks;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  for (const [id, stack] of Object.entries(manifest.stacks)) {
    stacks.set(id, JSON.parse(readFileSync(join(dir, stack.synthesizedStackPath), 'utf8')) as StackJson);
  }
  return stacks;
}

export function diffSynthOutputs(baseDir: string, headDir: string): SynthDiff {
  return diffStacks(readSynthOutput(baseDir), readSynthOutput(headDir));
}

export function diffStacks(base: Map<string, StackJson>, head: Map<string, StackJson>): SynthDiff {
  const ids = [...new Set([...base.keys(), ...head.keys()])].sort();
  return { stacks: ids.map((id) => diffStack(id, base.get(id), head.get(id))) };
}

function resourcesOf(stack: StackJson | undefined): Map<string, Record<string, unknown>> {
  const all = new Map<string, Record<string, unknown>>();
  for (const [kind, prefix] of [
    ['resource', ''],
    ['data', 'data.'],
  ] as const) {
    for (const [type, byName] of Object.entries(stack?.[kind] ?? {})) {
      for (const [name, body] of Object.entries(byName)) all.set(`${prefix}${type}.${name}`, body);
    }
  }
  return all;
}

function diffStack(id: string, base: StackJson | undefined, head: StackJson | undefined): StackDiff {
  const before = resourcesOf(base);
  const after = resourcesOf(head);
  if (!base || !head) {
    const side = base ? before : after;
    const resources = [...side.entries()].map(([address, body]) => change(address, body, base ? 'remove' : 'add', []));
    return {
      id,
      status: base ? 'removed' : 'added',
      resources,
      settings: [],
      resourceCount: side.size,
      destructive: base
        ? `the stack leaves the config: its ${side.size} resources keep running, unmanaged, until someone destroys them deliberately (npm run destroy -- ${id} from the base config)`
        : undefined,
    };
  }
  const resources: ResourceChange[] = [];
  const forgotten = new Set((head?.removed ?? []).filter((r) => r.lifecycle?.destroy === false).map((r) => r.from));
  for (const address of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(address);
    const a = after.get(address);
    if (!b) resources.push(change(address, a!, 'add', []));
    else if (!a) resources.push(change(address, b, forgotten.has(address) ? 'forget' : 'remove', []));
    else {
      const fields = fieldChanges(strip(b), strip(a));
      if (fields.length === 0) continue;
      const replaced = !address.startsWith('data.') && fields.some((f) => forcesReplacement(address, f.path));
      resources.push(change(address, b, replaced ? 'replace' : 'change', fields));
    }
  }
  const settings = [
    ...fieldChanges(base.terraform?.backend, head.terraform?.backend, 'terraform.backend'),
    ...fieldChanges(base.terraform?.required_providers, head.terraform?.required_providers, 'terraform.required_providers'),
    ...fieldChanges(base.provider, head.provider, 'provider'),
  ];
  const backendMoved = settings.some((f) => f.path.startsWith('terraform.backend'));
  const clusterMoved = settings.some((f) => /^provider\..*config_context$/.test(f.path));
  const settingsChanges: SettingsChange[] = [
    ...(backendMoved
      ? [
          {
            address: `${id}:backend`,
            reason:
              'the state backend changes: the next deploy would start from an empty state unless the state is migrated first (terraform init -migrate-state)',
          },
        ]
      : []),
    ...(clusterMoved
      ? [
          {
            address: `${id}:provider`,
            reason:
              "the providers point at another cluster: the old cluster's resources stay there, unmanaged, and the new one gets everything created again",
          },
        ]
      : []),
  ];
  return {
    id,
    status: resources.length > 0 || settings.length > 0 ? 'changed' : 'unchanged',
    resources,
    settings,
    resourceCount: after.size,
    destructiveSettings: settingsChanges,
  };
}

function change(address: string, body: Record<string, unknown>, action: ResourceChange['action'], fields: FieldChange[]): ResourceChange {
  const path = (body['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? address;
  return { address, path, action, fields, destructive: action === 'remove' || action === 'replace' ? holdsData(address, body) : undefined };
}

/** cdktf's own metadata is not configuration. */
function strip(body: Record<string, unknown>): Record<string, unknown> {
  const { '//': _metadata, ...rest } = body;
  return rest;
}

/** A multi-line string holding a YAML or JSON mapping (Helm values, a serialised config), parsed. */
function embeddedDocument(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string' || !value.includes('\n')) return undefined;
  try {
    const parsed = parseYaml(value) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Every leaf that differs, with dotted paths (arrays by index); Helm values are compared field by field. */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const docBefore = embeddedDocument(before);
  const docAfter = embeddedDocument(after);
  if (docBefore && docAfter) return fieldChanges(docBefore, docAfter, path);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => fieldChanges(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return [{ path, before, after }];
}

// ---------------------------------------------------------------- what matters

const DATA_KINDS = new Set([
  'CephCluster',
  'CephBlockPool',
  'CephFilesystem',
  'CephFilesystemSubVolumeGroup',
  'CephObjectStore',
  'CephObjectStoreUser',
  'ObjectBucketClaim',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'Namespace',
  'CustomResourceDefinition',
]);

/** Why destroying this resource loses data, tenants or a whole operator's objects; undefined when it does not. */
export function holdsData(address: string, body: Record<string, unknown>): string | undefined {
  const type = address.replace(/^data\./, '').split('.')[0];
  if (address.startsWith('data.')) return undefined;
  if ((body.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy)
    return 'protected with prevent_destroy: it holds data';
  if (type.startsWith('kubernetes_namespace')) return 'a namespace: deleting it deletes everything in it (workloads, volumes, queues)';
  if (type.startsWith('kubernetes_storage_class')) return 'a storage class: volumes bound to it lose their class';
  if (type.startsWith('kubernetes_persistent_volume')) return 'a volume: its data is deleted or orphaned';
  if (type === 'helm_release')
    return 'an operator release: uninstalling it removes its CRDs and with them every custom resource of those kinds';
  if (type === 'kubernetes_manifest') {
    const manifest = body.manifest as { apiVersion?: string; kind?: string } | undefined;
    if (manifest?.kind && DATA_KINDS.has(manifest.kind)) return `a ${manifest.kind}: it holds data`;
    if (manifest?.apiVersion?.startsWith('ceph.rook.io/')) return `a Ceph ${manifest.kind ?? 'object'}`;
  }
  return undefined;
}

/**
 * Fields the providers cannot update in place (ForceNew): a change destroys and recreates.
 * @see https://registry.terraform.io/providers/hashicorp/kubernetes/latest/docs/resources/manifest
 */
export function forcesReplacement(address: string, path: string): boolean {
  const type = address.replace(/^data\./, '').split('.')[0];
  if (type === 'kubernetes_manifest') return /^manifest\.(apiVersion|kind|metadata\.(name|namespace))$/.test(path);
  if (type === 'helm_release') return /^(name|namespace)$/.test(path);
  if (type.startsWith('kubernetes_storage_class'))
    return /^(metadata\.name|storage_provisioner|reclaim_policy|volume_binding_mode|mount_options|allowed_topologies|parameters)(\..*)?$/.test(
      path,
    );
  if (type.startsWith('kubernetes_persistent_volume_claim'))
    return /^(metadata\.(name|namespace)|spec|spec\.(access_modes|storage_class_name|volume_name|selector)(\..*)?)$/.test(path);
  if (type.startsWith('kubernetes_')) return /^metadata\.(name|namespace)$/.test(path);
  return false;
}

/**
 * What an allow names: a stack id for a stack that leaves the config, `<stack>:backend` or
 * `<stack>:provider` for its settings, `<stack>:<type>.<name>` for one resource. `<stack>:*`
 * allows every resource of a stack, but neither its settings nor its removal.
 */
export function destructiveAddresses(diff: SynthDiff): string[] {
  return diff.stacks.flatMap((stack) => [
    ...(stack.destructive ? [stack.id] : []),
    ...(stack.destructiveSettings ?? []).map((s) => s.address),
    ...(stack.status === 'removed' ? [] : stack.resources.filter((r) => r.destructive).map((r) => `${stack.id}:${r.address}`)),
  ]);
}

export function isAllowed(address: string, allows: readonly string[]): boolean {
  if (allows.includes(address)) return true;
  const [stack, rest] = address.split(':');
  return rest !== undefined && rest !== 'backend' && rest !== 'provider' && allows.includes(`${stack}:*`);
}
