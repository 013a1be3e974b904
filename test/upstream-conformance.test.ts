import { deployOrder } from '../stacks/fleet';
import { CRDS_NOT_VENDORED, crdErrors, crdKey, promqlErrors, unknownValueKeys, valuesSchemaErrors } from './upstream';
import { buildSites, manifests, releaseValues } from './util';

// Everything the fleet generates, checked against the pinned upstream charts and CRDs.
const stacks = buildSites().flatMap(deployOrder);
const releases = stacks.flatMap((stack) =>
  Object.entries(releaseValues(stack)).map(([chart, values]) => [`${stack.node.id} ${chart}`, chart, values] as const),
);
const resources = stacks.flatMap((stack) =>
  manifests(stack).map((m) => [`${stack.node.id} ${String(m.kind)} ${String((m.metadata as { name: string }).name)}`, m] as const),
);

describe('upstream conformance', () => {
  test.each(releases)('%s: every value key exists in the pinned chart', (_name, chart, values) => {
    expect(unknownValueKeys(chart, values)).toEqual([]);
    expect(valuesSchemaErrors(chart, values)).toEqual([]);
  });

  test.each(resources.filter(([, m]) => !(crdKey(m) in CRDS_NOT_VENDORED)))('%s validates against its CRD', (_name, manifest) => {
    expect(crdErrors(manifest)).toEqual([]);
  });

  test('every PromQL expression parses', () => {
    const exprs = resources
      .filter(([, m]) => m.kind === 'PrometheusRule')
      .flatMap(([, m]) => (m.spec as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)));
    expect(exprs.length).toBeGreaterThan(10);
    expect(exprs.flatMap((expr) => promqlErrors(expr).map((e) => `${expr}: ${e}`))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const gpuValues = releaseValues(stacks.find((s) => s.node.id === 'cz-prague-foundation')!)['gpu-operator'];

  test('a misspelled Helm value key is named', () => {
    const driver = gpuValues.driver as Record<string, unknown>;
    expect(unknownValueKeys('gpu-operator', { ...gpuValues, driver: { ...driver, versoin: '1.2.3' } })).toEqual(['driver.versoin']);
    expect(unknownValueKeys('kube-prometheus-stack', { 'kube-state-metrics': { metricLabelAllowlist: [] } })).toEqual([
      'kube-state-metrics.metricLabelAllowlist',
    ]);
  });

  test('a value of the wrong type fails the chart schema where the chart ships one', () => {
    expect(valuesSchemaErrors('node-feature-discovery', { master: { replicaCount: 'two' } }).join('\n')).toMatch(/\/master\/replicaCount/);
  });

  test('a CRD field of the wrong type, or an unknown one, is named', () => {
    const rule = resources.find(([, m]) => m.kind === 'NodeFeatureRule')![1];
    const spec = rule.spec as { rules: Record<string, unknown>[] };
    const broken = { ...rule, spec: { rules: [{ ...spec.rules[0], taints: 'NoSchedule', lables: {} }] } };
    expect(crdErrors(broken)).toEqual(['/spec/rules/0 must NOT have additional properties (lables)', '/spec/rules/0/taints must be array']);
  });

  test('a PromQL syntax error is caught', () => {
    expect(promqlErrors('sum by (namespace (rate(x[5m]))')).not.toEqual([]);
    expect(promqlErrors('sum by (namespace) (rate(x[5m]))')).toEqual([]);
  });
});
