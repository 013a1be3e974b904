import { createHash } from 'node:crypto';
import { Testing } from 'cdktf/lib/testing';
import type { TerraformStack } from 'cdktf/lib/terraform-stack';
import { deployOrder } from '../stacks/fleet';
import { buildSites } from './util';

/**
 * A stack as a reviewer reads it: its backend, then every provider and resource address, sorted,
 * each with a digest of its synthesized body. A changed address is a destroy and a create on a
 * live site; a changed digest is an update (targeted tests say what must hold inside). The live
 * fleet's review artefact is `npm run diff`, not a snapshot.
 */
function reviewable(stack: TerraformStack): string[] {
  const json = JSON.parse(Testing.synth(stack)) as {
    terraform: { backend: unknown; required_providers: unknown };
    provider?: Record<string, unknown>;
    resource?: Record<string, Record<string, unknown>>;
  };
  const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
  return [
    `backend ${JSON.stringify(json.terraform.backend)}`,
    `required_providers ${JSON.stringify(json.terraform.required_providers)}`,
    ...Object.entries(json.provider ?? {})
      .map(([type, config]) => `provider.${type} ${digest(config)}`)
      .sort(),
    ...Object.entries(json.resource ?? {})
      .flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => `${type}.${name} ${digest(body)}`))
      .sort(),
  ];
}

// One deliberate snapshot per fixture site and layer.
describe.each(buildSites().map((stacks) => [stacks.site.id, stacks] as const))('%s', (_id, stacks) => {
  test.each(deployOrder(stacks).map((stack) => [stack.node.id, stack] as const))('%s synthesizes as reviewed', (_stackId, stack) => {
    expect(reviewable(stack)).toMatchSnapshot();
  });
});
