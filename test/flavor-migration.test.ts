/**
 * A pool moving onto the NVLink topology leaves its old Kueue flavor. The new flavor's Terraform
 * precondition stops the plan while an unfinished Workload still holds the old one, checked with
 * the real Terraform CLI: Workloads as the kubernetes_resources data source lists them, fed in as
 * locals, against the same condition the stack carries.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf/lib/testing';
import { flavorIdleCondition } from '../constructs/scheduling/kueue-queues';
import { TerraformCli } from './terraform';
import { buildSites, tempDir } from './util';
import type { Obj } from './site-model/output';

jest.setTimeout(60_000);

/** A Kueue Workload as the API returns it (kueue.x-k8s.io/v1beta2). */
function workload(name: string, flavors: string[] | undefined, conditions: [string, string][] = []): Obj {
  return {
    metadata: { name },
    status: {
      ...(flavors
        ? {
            admission: {
              clusterQueue: 'academic',
              podSetAssignments: flavors.map((f) => ({ name: 'main', flavors: { 'nvidia.com/gpu': f, cpu: f } })),
            },
          }
        : {}),
      conditions: conditions.map(([type, status]) => ({ type, status })),
    },
  };
}

/** Plans a configuration whose only resource carries the condition over these two namespaces' Workloads. */
function plan(tf: TerraformCli, checks: Obj[], tenant: Obj[]) {
  const dir = tempDir('flavor-migration-');
  const condition = flavorIdleCondition(['local.checks', 'local.tenant'], 'gb200');
  writeFileSync(
    join(dir, 'main.tf.json'),
    JSON.stringify({
      locals: { checks, tenant },
      resource: {
        terraform_data: {
          flavor: { input: 'gb200-nvlink', lifecycle: { precondition: [{ condition, error_message: 'still admitted on gb200' }] } },
        },
      },
    }),
  );
  tf.ok(dir, ['init', '-no-color']);
  return tf.run(dir, ['plan', '-no-color']);
}

test('the plan stops while an unfinished Workload holds the old flavor, and goes on once none does', () => {
  const tf = new TerraformCli();
  const running = workload(
    'train',
    ['gb200'],
    [
      ['QuotaReserved', 'True'],
      ['Admitted', 'True'],
    ],
  );
  const stopped = plan(tf, [], [running]);
  expect(stopped.status).toBe(1);
  expect(stopped.output).toMatch(/Resource precondition failed[\s\S]*still admitted on gb200/);

  // Finished, pending (no admission yet), or on another flavor: nothing holds gb200.
  const finished = workload(
    'train',
    ['gb200'],
    [
      ['Admitted', 'True'],
      ['Finished', 'True'],
    ],
  );
  const pending = workload('queued', undefined);
  const elsewhere = workload('mig', ['h100-mig'], [['Admitted', 'True']]);
  const clear = plan(tf, [pending, workload('nvlink', ['gb200-nvlink'], [['Admitted', 'True']])], [finished, elsewhere]);
  expect(clear.output).toMatch(/Plan: 1 to add/);
  expect(clear.status).toBe(0);
  // No Workloads at all (a namespace that does not exist yet lists none).
  expect(plan(tf, [], []).status).toBe(0);
});

test('the NVLink flavor carries that condition over the checks’ and every tenant’s namespace', () => {
  for (const stacks of buildSites()) {
    const platform = JSON.parse(Testing.synth(stacks.platform));
    const nvlink = Object.entries(platform.resource.kubernetes_manifest as Obj).filter(
      ([, r]) => r.manifest.kind === 'ResourceFlavor' && r.manifest.spec.topologyName === 'factory-topology-nvlink',
    );
    const workloadLists = Object.entries((platform.data?.kubernetes_resources ?? {}) as Obj).filter(([, d]) => d.kind === 'Workload');
    const lists = workloadLists.map(([, d]) => d);
    if (nvlink.length === 0) {
      expect(lists).toEqual([]);
      continue;
    }
    expect(lists.map((d) => d.namespace).sort()).toEqual(['factory-acceptance', ...stacks.site.tenants.map((t) => t.name)].sort());
    expect(lists.every((d) => d.api_version === 'kueue.x-k8s.io/v1beta2')).toBe(true);
    for (const [, flavor] of nvlink) {
      const pool = flavor.manifest.spec.nodeLabels['ai-factory.eu/pool'];
      const [precondition] = flavor.lifecycle.precondition;
      expect(precondition.condition).toContain(`"${pool}"`);
      for (const [name] of workloadLists) expect(precondition.condition).toContain(`data.kubernetes_resources.${name}.objects`);
      expect(precondition.error_message).toMatch(new RegExp(`still admitted on flavor ${pool}\\b`));
    }
  }
});
