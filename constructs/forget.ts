import type { Construct } from 'constructs';
import { TerraformElement } from 'cdktf/lib/terraform-element';

/**
 * A Terraform `removed` block with `destroy = false`: the stack stops managing a resource without
 * deleting it from the cluster, for objects another owner now keeps (Terraform >= 1.7).
 * @see https://developer.hashicorp.com/terraform/language/resources/syntax#removing-resources
 */
export class ForgetResource extends TerraformElement {
  /** @param from The resource's address in state, e.g. `kubernetes_runtime_class_v1.<logical id>`. */
  constructor(
    scope: Construct,
    id: string,
    private readonly from: string,
  ) {
    super(scope, id);
  }

  override toTerraform(): Record<string, unknown> {
    return { removed: [{ from: this.from, lifecycle: { destroy: false } }] };
  }
}
