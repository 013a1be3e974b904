import { Testing } from 'cdktf/lib/testing';
import { Release } from '@cdktf/provider-helm/lib/release';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { buildFleet, buildSite, deployOrder } from '../stacks/fleet';
import { LAYERS } from '../stacks/site-stack';
import { buildSites, fleet, fleetOf, resourceCount, resources, site } from './util';

describe('site stacks', () => {
  const all = buildSites();

  test('the stack ids are exactly what the config implies', () => {
    const expected = fleet().sites.flatMap((s) =>
      LAYERS.filter((layer) => layer !== 'tenants' || s.phase === 2).map((layer) => `${s.id}-${layer}`),
    );
    const actual = all.flatMap(deployOrder).map((stack) => stack.node.id);
    expect(actual.sort()).toEqual(expected.sort());
    expect(actual).toContain('pl-warsaw-platform');
    expect(actual).not.toContain('pl-warsaw-tenants');
    expect(actual).toContain('es-barcelona-tenants');
  });

  test('layers depend on each other in deploy order, never on another site', () => {
    for (const stacks of all) {
      const [foundation, platform, tenants] = deployOrder(stacks);
      expect(foundation.dependencies).toEqual([]);
      expect(platform.dependencies).toEqual([foundation]);
      if (tenants) expect(tenants.dependencies).toEqual([platform]);
      for (const stack of deployOrder(stacks)) {
        for (const dep of stack.dependencies) expect(dep.node.id.startsWith(`${stacks.site.id}-`)).toBe(true);
      }
    }
  });

  test('providers point at the site kube context and carry no credentials', () => {
    const es = all.find((s) => s.site.id === 'es-barcelona')!;
    for (const stack of deployOrder(es)) {
      const json = Testing.synth(stack);
      expect(json).toHaveProviderWithProperties(KubernetesProvider, { config_context: 'es-barcelona-admin' });
      expect(json).toHaveProviderWithProperties(HelmProvider, { kubernetes: { config_context: 'es-barcelona-admin' } });
      expect(json).not.toMatch(/"(token|password|client_key|client_certificate|cluster_ca_certificate|config_path|conn_str)"/);
    }
  });

  test('the foundation installs every pinned operator the site needs', () => {
    const expectChart = (json: string, chart: string, present: boolean) => {
      const pin = Object.values(fleet().charts).find((c) => c.chart === chart)!;
      const check = expect(json);
      (present ? check : check.not).toHaveResourceWithProperties(Release, {
        chart,
        version: pin.version,
        repository: pin.repository,
        namespace: pin.namespace,
      });
    };
    const es = Testing.synth(all.find((s) => s.site.id === 'es-barcelona')!.foundation);
    const nl = Testing.synth(all.find((s) => s.site.id === 'nl-amsterdam')!.foundation);
    for (const chart of ['node-feature-discovery', 'gpu-operator', 'network-operator', 'kueue', 'kube-prometheus-stack']) {
      expectChart(es, chart, true);
      expectChart(nl, chart, true);
    }
    expectChart(es, 'rook-ceph', true);
    expectChart(nl, 'rook-ceph', false); // external parallel file system
    expectChart(es, 'kserve-resources', true);
    expectChart(nl, 'kserve-resources', false); // no inference service
  });

  test('operator namespaces state why they need privileges', () => {
    const stacks = all.find((s) => s.site.id === 'cz-prague')!;
    const namespaces = Object.values(resources(stacks.foundation).kubernetes_namespace_v1);
    expect(namespaces.length).toBeGreaterThanOrEqual(6);
    for (const ns of namespaces) {
      const metadata = (ns as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } }).metadata;
      const level = metadata.labels['pod-security.kubernetes.io/enforce'];
      expect(['restricted', 'baseline', 'privileged']).toContain(level);
      if (level !== 'restricted') expect(metadata.annotations?.['ai-factory.eu/pod-security-reason']).toMatch(/.{20,}/);
    }
  });

  test('a phase 2 site gets one namespace per tenant, auditing restricted', () => {
    const es = all.find((s) => s.site.id === 'es-barcelona')!;
    const namespaces = Object.values(JSON.parse(Testing.synth(es.tenants!)).resource.kubernetes_namespace_v1) as {
      metadata: { name: string; labels: Record<string, string> };
    }[];
    const tenantNamespaces = namespaces.filter((n) => 'ai-factory.eu/tenant' in n.metadata.labels);
    expect(tenantNamespaces.map((n) => n.metadata.name).sort()).toEqual(
      site('es-barcelona')
        .tenants.map((t) => t.name)
        .sort(),
    );
    for (const tenant of site('es-barcelona').tenants) {
      expect(namespaces.find((n) => n.metadata.name === tenant.name)!.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'ai-factory.eu/programme': tenant.programme,
      });
    }
  });

  test('a site moved back to phase 1 loses its tenants stack', () => {
    const stacks = buildSite(Testing.app(), fleet(), { ...site('es-barcelona'), phase: 1 });
    expect(stacks.tenants).toBeUndefined();
  });

  test('resources grow with pools, not with nodes', () => {
    const es = site('es-barcelona');
    const sized = (nodes: number) => {
      const resized = { ...es, nodePools: es.nodePools.map((p) => ({ ...p, nodes })), energy: { ...es.energy, budgetMW: 200 } };
      const [stacks] = buildFleet(Testing.app(), fleetOf(resized));
      return deployOrder(stacks).map(resourceCount);
    };
    expect(sized(10)).toEqual(sized(1000));
  });

  describe('state backend', () => {
    const backendOf = (backend: ReturnType<typeof fleet>['backend']) => {
      const [stacks] = buildFleet(Testing.app(), { ...fleetOf(site('lt-vilnius')), backend });
      return (JSON.parse(Testing.synth(stacks.platform)) as { terraform: { backend: Record<string, unknown> } }).terraform.backend;
    };

    test('defaults to one local state file per stack, at the project root, outside the synth output', () => {
      // Terraform runs in cdktf.out/stacks/<stack id>: three levels up is the project root.
      expect(backendOf({ type: 'local', directory: 'terraform-state' })).toEqual({
        local: {
          path: '../../../terraform-state/lt-vilnius-platform.tfstate',
          workspace_dir: '../../../terraform-state/lt-vilnius-platform.tfstate.d',
        },
      });
    });

    test('can use S3-compatible storage with lock files', () => {
      expect(
        backendOf({
          type: 's3',
          bucket: 'factory-state',
          region: 'eu-central-1',
          keyPrefix: 'ai-factories',
          endpoint: 'https://s3.example.org',
        }),
      ).toEqual({
        s3: expect.objectContaining({
          bucket: 'factory-state',
          key: 'ai-factories/lt-vilnius-platform.tfstate',
          encrypt: true,
          use_lockfile: true,
          use_path_style: true,
          endpoints: { s3: 'https://s3.example.org' },
        }),
      });
    });

    test('can use PostgreSQL, with the connection string left to PG_CONN_STR', () => {
      expect(backendOf({ type: 'pg', schemaPrefix: 'ai_factories' })).toEqual({ pg: { schema_name: 'ai_factories_lt_vilnius_platform' } });
    });
  });
});
