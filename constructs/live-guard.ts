import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Construct } from 'constructs';
import type { CustomResource } from './custom-resource';

/** A setting the cluster cannot take back once deployed: how to read it off the live object, and the value the config wants. */
export interface DeployedSetting {
  /** What the setting is, for the message (e.g. "cluster network"). */
  readonly name: string;
  /** Terraform expression of the live object `o` giving the setting as one string ("" when absent). */
  readonly read: (o: string) => string;
  /** The value this config writes. */
  readonly wanted: string;
  /** Why it cannot change, and what to do instead. */
  readonly why: string;
}

/**
 * Terraform expression: the string at `path`, or `otherwise` where it or anything above it is null
 * or absent (the provider returns every attribute the schema knows, null when unset). Pass the
 * operator's default as `otherwise` where an unset field has one.
 */
export function text(path: string, otherwise = ''): string {
  const fallback = JSON.stringify(otherwise);
  return `try(${path} == null ? ${fallback} : ${path}, ${fallback})`;
}

/** Terraform expression: the strings of the list at `path` joined with commas (nulls left out), or "" where it is null or absent. */
export function joined(path: string): string {
  return `try(join(",", compact(${path})), "")`;
}

/**
 * Terraform expression: the objects a kubernetes_resources data source lists, as text for use
 * inside a condition (its fqn is a token, which would nest an interpolation inside the condition's).
 */
export function liveObjects(source: DataKubernetesResources): string {
  return `data.kubernetes_resources.${source.friendlyUniqueId}.objects`;
}

/**
 * Terraform condition: every object of `list` has the setting either absent ("") or `wanted`.
 * Where the object does not exist yet (a first deploy) the list is empty and the condition holds.
 */
export function unchangedCondition(list: string, read: (o: string) => string, wanted: string): string {
  return `\${alltrue([for o in ${list} : contains(["", ${JSON.stringify(wanted)}], ${read('o')})])}`;
}

/**
 * Refuses, at plan time, a change the running cluster cannot take: a precondition on the resource
 * that compares each setting of the live object (read with a kubernetes_resources data source, by
 * name) with what the config now writes. The cluster itself is the record of what is deployed.
 */
export class DeployedSettingsGuard extends Construct {
  constructor(scope: Construct, id: string, target: CustomResource, settings: readonly DeployedSetting[]) {
    super(scope, id);
    const { apiVersion, kind, metadata } = target.manifest as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace?: string };
    };
    const live = new DataKubernetesResources(this, 'live', {
      apiVersion,
      kind,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      fieldSelector: `metadata.name=${metadata.name}`,
    });
    const list = liveObjects(live);
    target.resource.addOverride('lifecycle.precondition', settingPreconditions(list, `${kind} ${metadata.name}`, settings));
  }
}

/** The preconditions (Terraform JSON) that hold each setting of the objects of `list` to its wanted value. */
export function settingPreconditions(list: string, what: string, settings: readonly DeployedSetting[]) {
  return settings.map((s) => ({
    condition: unchangedCondition(list, s.read, s.wanted),
    error_message: `${what} is deployed with ${s.name} \${join(", ", distinct([for o in ${list} : ${s.read('o')}]))}; this config writes ${JSON.stringify(s.wanted)}. ${s.why}`,
  }));
}
