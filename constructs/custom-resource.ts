import { Construct } from 'constructs';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { siteLabels } from './contract';

export interface ObjectMeta {
  readonly name: string;
  /** @default - cluster-scoped */
  readonly namespace?: string;
  /** @default - the site labels only */
  readonly labels?: Record<string, string>;
  /** @default - none */
  readonly annotations?: Record<string, string>;
}

export interface CustomResourceProps {
  readonly siteId: string;
  /** `group/version` of the resource, as in its CRD. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  /** The resource's `spec` (or other top-level fields through `body`). @default - none */
  readonly spec?: Record<string, unknown>;
  /** Top-level fields other than spec (e.g. `data`). @default {} */
  readonly body?: Record<string, unknown>;
  /**
   * Data-bearing: Terraform refuses to destroy it (`lifecycle.prevent_destroy`); removing it
   * takes a deliberate change of this flag in review.
   * @default false
   */
  readonly protect?: boolean;
  /**
   * Fields the cluster sets after apply, which Terraform must not fight over (e.g. a Job's
   * selector, or `spec.suspend` that Kueue flips on admission).
   * @default - the provider's default (metadata.labels, metadata.annotations)
   */
  readonly computedFields?: string[];
}

/**
 * A custom resource, applied with `kubernetes_manifest`. Its CRD must exist when Terraform plans,
 * which is why custom resources live in the platform stack, after the operators.
 * @see https://github.com/hashicorp/terraform-provider-kubernetes/issues/1367
 */
export class CustomResource extends Construct {
  readonly manifest: Record<string, unknown>;
  readonly resource: Manifest;

  constructor(scope: Construct, id: string, props: CustomResourceProps) {
    super(scope, id);
    const { name, namespace, labels, annotations } = props.metadata;
    this.manifest = {
      apiVersion: props.apiVersion,
      kind: props.kind,
      metadata: {
        name,
        ...(namespace ? { namespace } : {}),
        labels: { ...siteLabels(props.siteId), ...labels },
        ...(annotations ? { annotations } : {}),
      },
      ...(props.spec ? { spec: props.spec } : {}),
      ...props.body,
    };
    this.resource = new Manifest(this, 'manifest', {
      manifest: this.manifest,
      ...(props.computedFields ? { computedFields: ['metadata.labels', 'metadata.annotations', ...props.computedFields] } : {}),
      ...(props.protect ? { lifecycle: { preventDestroy: true } } : {}),
    });
  }
}
