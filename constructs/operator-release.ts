import { Construct } from 'constructs';
import { Release } from '@cdktf/provider-helm/lib/release';
import type { ITerraformDependable } from 'cdktf/lib/terraform-dependable';
import { stringify } from 'yaml';
import type { ChartPin } from '../config';
import { PodSecurityLevel, SiteNamespace } from './namespace';

/** Helm values, built from typed options; serialised once, never written as YAML by hand. */
export type HelmValues = { readonly [key: string]: unknown };

/** Seconds Helm waits for an operator to become ready; driver builds take minutes. */
const DEFAULT_TIMEOUT_S = 900;
const MAX_HISTORY = 10;

export interface OperatorReleaseProps {
  readonly siteId: string;
  /** The pinned chart, from fleet.yaml; its namespace is created here. */
  readonly pin: ChartPin;
  /** Release name. @default the chart name */
  readonly releaseName?: string;
  /** Chart values. @default {} */
  readonly values?: HelmValues;
  /** Pod Security level of the operator namespace. @default PodSecurityLevel.RESTRICTED */
  readonly podSecurity?: PodSecurityLevel;
  /** Why the namespace needs more than restricted. @default - none */
  readonly podSecurityReason?: string;
  /** Seconds to wait for the release to be ready. @default 900 */
  readonly timeoutSeconds?: number;
  /** Share a namespace created elsewhere (charts that split CRDs from the operator). @default - a namespace named `pin.namespace` is created */
  readonly namespace?: SiteNamespace;
  /** Installed only after these. @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Releases whose CRDs this one's values create objects of (ServiceMonitors, NodeFeatureRules): installed first. @default [] */
  readonly after?: readonly OperatorRelease[];
}

/** An operator installed from a pinned chart into a namespace of its own. */
export class OperatorRelease extends Construct {
  readonly namespace: SiteNamespace;
  readonly release: Release;
  readonly values: HelmValues;

  constructor(scope: Construct, id: string, props: OperatorReleaseProps) {
    super(scope, id);
    this.values = props.values ?? {};
    this.namespace =
      props.namespace ??
      new SiteNamespace(this, 'namespace', {
        siteId: props.siteId,
        name: props.pin.namespace,
        podSecurity: props.podSecurity ?? PodSecurityLevel.RESTRICTED,
        podSecurityReason: props.podSecurityReason,
      });
    this.release = new Release(this, 'release', {
      name: props.releaseName ?? props.pin.chart,
      chart: props.pin.chart,
      repository: props.pin.repository,
      version: props.pin.version,
      namespace: this.namespace.name,
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: props.timeoutSeconds ?? DEFAULT_TIMEOUT_S,
      maxHistory: MAX_HISTORY,
      values: [stringify(this.values)],
      dependsOn: [this.namespace.resource, ...(props.dependsOn ?? []), ...(props.after ?? []).map((r) => r.release)],
    });
  }
}
