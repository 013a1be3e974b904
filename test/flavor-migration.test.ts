/**
 * A pool moving onto the NVLink topology leaves its old Kueue flavor. The new flavor's Terraform
 * precondition stops the plan while any ClusterQueue still holds quota on the old one, checked with
 * the real Terraform CLI: ClusterQueues as the kubernetes_resources data source lists them, fed in
 * as a local, against the same condition the stack carries.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import { flavorIdleCondition, queuesHolding } from '../constructs/scheduling/kueue-queues';
import { TerraformCli } from './terraform';
import { buildSites, tempDir } from './util';
import type { Obj } from './site-model/output';

jest.setTimeout(60_000);

/**
 * A ClusterQueue as the provider returns it (kueue.x-k8s.io/v1beta2, every schema attribute present,
 * null where unset), with the quota it has reserved per flavor.
 */
function queue(name: string, reserved: Record<string, string | number> | null): Obj {
  return {
    metadata: { name },
    status:
      reserved === null
        ? null
        : {
            flavorsReservation: Object.entries(reserved).map(([flavor, total]) => ({
              name: flavor,
              resources: [
                { name: 'nvidia.com/gpu', total, borrowed: '0' },
                { name: 'cpu', total: total === '0' || total === 0 ? '0' : '576', borrowed: null },
              ],
            })),
            reservingWorkloads: null,
          },
  };
}

/** Plans a configuration whose only resource carries the stack's condition and message over these ClusterQueues. */
function plan(tf: TerraformCli, queues: Obj[]) {
  const dir = tempDir('flavor-migration-');
  writeFileSync(
    join(dir, 'main.tf.json'),
    JSON.stringify({
      locals: { queues },
      resource: {
        terraform_data: {
          flavor: {
            input: 'gb200-nvlink',
            lifecycle: {
              precondition: [
                {
                  condition: flavorIdleCondition('local.queues', 'gb200'),
                  error_message: `ClusterQueues ${queuesHolding('local.queues', 'gb200')} hold quota on flavor gb200`,
                },
              ],
            },
          },
        },
      },
    }),
  );
  tf.ok(dir, ['init', '-no-color']);
  return tf.run(dir, ['plan', '-no-color']);
}

test('the plan stops while a ClusterQueue holds quota on the old flavor, naming it, and goes on once none does', () => {
  const tf = new TerraformCli();
  const stopped = plan(tf, [queue('academic', { gb200: '16', 'h100-mig': '0' }), queue('sme', { gb200: '0' }), queue('industrial', null)]);
  expect(stopped.status).toBe(1);
  expect(stopped.output.replace(/\s+/g, ' ')).toMatch(/Resource precondition failed.*ClusterQueues academic hold quota on flavor gb200/);

  // Nothing reserved on it (finished work releases its quota), quota only on other flavors, a
  // queue without status yet, or no queues at all: the plan goes on.
  const clear = plan(tf, [queue('academic', { gb200: '0', 'gb200-nvlink': '64' }), queue('acceptance', { gb200: 0 }), queue('new', null)]);
  expect(clear.output).toMatch(/Plan: 1 to add/);
  expect(clear.status).toBe(0);
  expect(plan(tf, []).status).toBe(0);
});

test('the NVLink flavor carries that condition over every ClusterQueue, read from the cluster', () => {
  for (const stacks of buildSites()) {
    const platform = JSON.parse(Testing.synth(stacks.platform));
    const nvlink = Object.values(platform.resource.kubernetes_manifest as Obj).filter(
      (r: Obj) => r.manifest.kind === 'ResourceFlavor' && r.manifest.spec.topologyName === 'factory-topology-nvlink',
    ) as Obj[];
    const lists = Object.entries((platform.data?.kubernetes_resources ?? {}) as Obj).filter(([, d]) => d.kind === 'ClusterQueue');
    if (nvlink.length === 0) {
      expect(lists).toEqual([]);
      continue;
    }
    // Cluster-scoped: one list, no namespace; no Workload (tenant pod specs) is read into state.
    expect(lists.map(([, d]) => ({ api_version: d.api_version, namespace: d.namespace }))).toEqual([
      { api_version: 'kueue.x-k8s.io/v1beta2', namespace: undefined },
    ]);
    expect(Object.values(platform.data.kubernetes_resources as Obj).some((d: Obj) => d.kind === 'Workload')).toBe(false);
    for (const flavor of nvlink) {
      const pool = flavor.manifest.spec.nodeLabels['ai-factory.eu/pool'];
      const [precondition] = flavor.lifecycle.precondition;
      expect(precondition.condition).toBe(flavorIdleCondition(`data.kubernetes_resources.${lists[0][0]}.objects`, pool));
      expect(precondition.error_message).toMatch(new RegExp(`hold quota on flavor ${pool}, which pool ${pool} leaves for ${pool}-nvlink`));
    }
  }
});
