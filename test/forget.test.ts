/**
 * Handing a resource over to another owner: a `removed` block with destroy = false, checked with the
 * real Terraform CLI on its built-in terraform_data, and the RuntimeClass the GPU Operator owns.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf/lib/app';
import { Testing } from 'cdktf/lib/testing';
import { TerraformResource } from 'cdktf/lib/terraform-resource';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { ForgetResource } from '../constructs/forget';
import { TerraformCli } from './terraform';
import { buildSites, releaseValues, tempDir } from './util';

jest.setTimeout(60_000);

/** Synthesizes a stack into `dir` (main.tf.json), as cdktf writes cdk.tf.json. */
function synthInto(dir: string, build: (stack: TerraformStack) => void): void {
  const stack = new TerraformStack(new App({ outdir: tempDir('forget-out-') }), 'probe');
  build(stack);
  writeFileSync(join(dir, 'main.tf.json'), Testing.synth(stack));
}

test('Terraform stops managing a forgotten resource and destroys nothing', () => {
  const tf = new TerraformCli();
  const dir = tempDir('forget-');
  synthInto(dir, (stack) => new TerraformResource(stack, 'owned', { terraformResourceType: 'terraform_data' }).addOverride('input', 'x'));
  tf.ok(dir, ['init', '-no-color']);
  tf.ok(dir, ['apply', '-auto-approve', '-no-color']);
  synthInto(dir, (stack) => new ForgetResource(stack, 'handover', 'terraform_data.owned'));
  const plan = tf.ok(dir, ['plan', '-no-color']);
  expect(plan.output).toMatch(/terraform_data\.owned will no longer be managed by Terraform, but will not be destroyed/);
  expect(plan.output).toMatch(/Plan: 0 to add, 0 to change, 0 to destroy/);
  // Without the block the same change would destroy it.
  synthInto(dir, () => undefined);
  expect(tf.ok(dir, ['plan', '-no-color']).output).toMatch(/1 to destroy/);
});

test('the nvidia RuntimeClass is the GPU Operator’s alone: the foundation forgets the one it created', () => {
  for (const stacks of buildSites()) {
    const json = JSON.parse(Testing.synth(stacks.foundation));
    expect(json.resource.kubernetes_runtime_class_v1).toBeUndefined();
    expect(json.removed).toEqual([
      { from: 'kubernetes_runtime_class_v1.workload-classes_nvidia-runtime_5733DCEB', lifecycle: { destroy: false } },
    ]);
    expect((releaseValues(stacks.foundation)['gpu-operator'] as { operator: { runtimeClass: string } }).operator.runtimeClass).toBe(
      'nvidia',
    );
  }
});
