import type { IConstruct } from 'constructs';
import type { IAspect } from 'cdktf/lib/aspect';
import { TerraformResource } from 'cdktf/lib/terraform-resource';
import { TerraformStack } from 'cdktf/lib/terraform-stack';

/** A synthesized resource as a rule sees it: its Terraform type and its attributes. */
export interface ResourceView {
  readonly type: string;
  readonly config: Record<string, any>;
}

export type RuleResult =
  | { readonly result: 'compliant' }
  | { readonly result: 'not-applicable' }
  | { readonly result: 'non-compliant'; readonly problems: readonly string[] };

/** What a rule may look at besides the resource itself: the other resources of its stack. */
export interface PolicyContext {
  readonly stackResources: readonly ResourceView[];
}

/** One cross-cutting rule, mirroring a well-known check. */
export interface PolicyRule {
  /** Our id, kebab-case. */
  readonly id: string;
  /** The well-known check(s) it mirrors, e.g. "CKV_K8S_14, kube-linter latest-tag". */
  readonly mirrors: string;
  /** How to fix a violation. */
  readonly fix: string;
  /** `context` defaults to a stack holding only `resource`. */
  check(resource: ResourceView, context?: PolicyContext): RuleResult;
}

export const compliant: RuleResult = { result: 'compliant' };
export const notApplicable: RuleResult = { result: 'not-applicable' };
export const judge = (problems: string[]): RuleResult => (problems.length ? { result: 'non-compliant', problems } : compliant);

/** The attributes of a resource as they will be synthesized. */
export function viewOf(resource: TerraformResource): ResourceView {
  const rendered = resource.toTerraform() as { resource: Record<string, Record<string, Record<string, any>>> };
  const config = Object.values(rendered.resource[resource.terraformResourceType])[0];
  return { type: resource.terraformResourceType, config };
}

/**
 * Applies rules to every resource of a scope. A violation becomes a validation error on the
 * resource, so synthesis fails naming its construct path, the rule, the check it mirrors and the fix.
 */
export class PolicyAspect implements IAspect {
  private readonly contexts = new Map<TerraformStack, { context: PolicyContext; views: Map<IConstruct, ResourceView> }>();

  constructor(private readonly rules: readonly PolicyRule[]) {}

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node)) return;
    const { context, views } = this.stackOf(node);
    const view = views.get(node) ?? viewOf(node);
    for (const rule of this.rules) {
      const outcome = rule.check(view, context);
      if (outcome.result !== 'non-compliant') continue;
      const message = `${rule.id} (${rule.mirrors}): ${outcome.problems.join('; ')}. Fix: ${rule.fix}`;
      node.node.addValidation({ validate: () => [message] });
    }
  }

  /** Every resource of the node's stack, rendered once. */
  private stackOf(node: IConstruct) {
    const stack = TerraformStack.of(node);
    let entry = this.contexts.get(stack);
    if (!entry) {
      const views = new Map<IConstruct, ResourceView>(
        stack.node
          .findAll()
          .filter((c) => TerraformResource.isTerraformResource(c))
          .map((c) => [c, viewOf(c as TerraformResource)]),
      );
      entry = { context: { stackResources: [...views.values()] }, views };
      this.contexts.set(stack, entry);
    }
    return entry;
  }
}
