import { Testing } from 'cdktf/lib/testing';
import { deployOrder } from '../stacks/fleet';
import { buildSites } from './util';

// One deliberate snapshot per site and layer, for reviewers: a changed Terraform address here is
// a destroy and a create on a live site.
describe.each(buildSites().map((stacks) => [stacks.site.id, stacks] as const))('%s', (_id, stacks) => {
  test.each(deployOrder(stacks).map((stack) => [stack.node.id, stack] as const))('%s synthesizes as reviewed', (_stackId, stack) => {
    expect(JSON.parse(Testing.synth(stack))).toMatchSnapshot();
  });
});
