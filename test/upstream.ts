/**
 * Checks against the vendored upstream files in test/fixtures/upstream (see its SOURCES.md):
 * Helm value keys against the pinned chart's values.yaml (and values.schema.json where the chart
 * ships one), custom resources against their CRD's OpenAPI schema, PromQL with the Prometheus
 * project's own parser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';

const FIXTURES = join(__dirname, 'fixtures', 'upstream');

type Tree = { [key: string]: unknown };
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Where each pinned chart's values live, with the subcharts whose values it passes through. */
/**
 * Each chart's vendored values (and schema, subcharts). `renderedWhole` lists key paths the chart's
 * templates render with toYaml as they are, so any field of the Kubernetes type below them is valid.
 * `documented` adds keys the chart documents only in a comment of its values.yaml.
 */
export const CHART_VALUES: Record<
  string,
  {
    values: string;
    schema?: string;
    subcharts?: Record<string, string>;
    renderedWhole?: readonly string[];
    documented?: Record<string, Tree>;
  }
> = {
  'gpu-operator': {
    values: 'gpu-operator/v26.7.0/chart/values.yaml',
    // values.yaml: "# config: name: ... create: true data: |-" under dcgmExporter (the counters CSV).
    documented: { dcgmExporter: { config: { name: '', create: false, data: '' } } },
  },
  'node-feature-discovery': {
    values: 'node-feature-discovery/v0.19.0/chart/values.yaml',
    schema: 'node-feature-discovery/v0.19.0/chart/values.schema.json',
  },
  'network-operator': { values: 'network-operator/v26.4.1/chart/values.yaml' },
  kueue: { values: 'kueue/v0.19.2/chart/values.yaml' },
  'rook-ceph': { values: 'rook/v1.20.6/charts/rook-ceph/values.yaml' },
  'ceph-csi-drivers': { values: 'ceph-csi-operator/v1.0.4/charts/ceph-csi-drivers/values.yaml' },
  'kube-prometheus-stack': {
    values: 'kube-prometheus-stack/88.5.3/chart/values.yaml',
    subcharts: {
      'kube-state-metrics': 'kube-prometheus-stack/88.5.3/chart/charts/kube-state-metrics/values.yaml',
      grafana: 'kube-prometheus-stack/88.5.3/chart/charts/grafana/values.yaml',
      'prometheus-node-exporter': 'kube-prometheus-stack/88.5.3/chart/charts/prometheus-node-exporter/values.yaml',
    },
  },
  'kserve-resources': {
    values: 'kserve/v0.20.0/charts/kserve-resources/values.yaml',
    // templates/clusterstoragecontainer.yaml: `securityContext: {{ toYaml .Values.kserve.storage.containerSecurityContext }}`.
    renderedWhole: ['kserve.storage.containerSecurityContext'],
  },
  // Envoy Gateway: installed with its defaults (we set no values), so none is vendored.
  'gateway-helm': { values: '' },
  // kserve-crd ships no values at all: any key set on it is unknown.
  'kserve-crd': { values: '' },
};

const readFixture = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

function chartDefaults(chart: string): Tree {
  const entry = CHART_VALUES[chart];
  if (!entry) throw new Error(`no vendored values for chart ${chart}`);
  const values = deepMerge((entry.values ? parseYaml(readFixture(entry.values)) : {}) as Tree, entry.documented ?? {});
  for (const [name, file] of Object.entries(entry.subcharts ?? {})) {
    values[name] = { ...(parseYaml(readFixture(file)) as Tree), ...(isTree(values[name]) ? values[name] : {}) };
  }
  return values;
}

/**
 * Key paths in `values` that the chart does not have. A key whose chart default is an empty
 * mapping, null or a list is free-form below it (the chart documents it as open).
 */
export function unknownValueKeys(chart: string, values: Tree): string[] {
  const unknown: string[] = [];
  const whole = new Set(CHART_VALUES[chart]?.renderedWhole ?? []);
  const walk = (ours: Tree, theirs: Tree, path: string) => {
    for (const [key, value] of Object.entries(ours)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (whole.has(path)) continue;
      if (!(key in theirs)) {
        unknown.push(keyPath);
        continue;
      }
      const upstream = theirs[key];
      if (isTree(value) && isTree(upstream) && Object.keys(upstream).length > 0) walk(value, upstream, keyPath);
      else if (isTree(value) && upstream !== null && !isTree(upstream) && !Array.isArray(upstream))
        unknown.push(`${keyPath} (chart has a ${typeof upstream} here)`);
    }
  };
  walk(values, chartDefaults(chart), '');
  return unknown;
}

/** CRD patterns are Go regular expressions; the one Go-only syntax they use is the (?i) flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) =>
    pattern.includes('(?i)') ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`) : new RegExp(pattern, flags),
  { code: 'goRegExp' },
);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
const ajv2020 = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

/** Validates values against the chart's values.schema.json, where the chart ships one. */
export function valuesSchemaErrors(chart: string, values: Tree): string[] {
  const schemaFile = CHART_VALUES[chart]?.schema;
  if (!schemaFile) return [];
  const validate = ajv2020.compile(JSON.parse(readFixture(schemaFile)));
  const merged = deepMerge(chartDefaults(chart), values);
  return validate(merged) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(base[k]) ? deepMerge(base[k] as Tree, v) : v;
  return out;
}

/** CRD files vendored for validation. */
const CRD_FILES = [
  'node-feature-discovery/v0.19.0/crds/nfd-api-crds.yaml',
  'kube-prometheus-stack/88.5.3/crds/crd-prometheusrules.yaml',
  'network-operator/v26.4.1/crds/mellanox.com_nicclusterpolicies.yaml',
  'network-operator/v26.4.1/crds/mellanox.com_ipoibnetworks.yaml',
  'network-operator/v26.4.1/crds/mellanox.com_macvlannetworks.yaml',
  'network-operator/v26.4.1/crds/mellanox.com_hostdevicenetworks.yaml',
  'rook/v1.20.6/crds/crds.yaml',
  'kserve/v0.20.0/crds/serving.kserve.io_clusterservingruntimes.yaml',
  'kueue/v0.19.2/crds/kueue.x-k8s.io_clusterqueues.yaml',
  'kueue/v0.19.2/crds/kueue.x-k8s.io_resourceflavors.yaml',
  'kueue/v0.19.2/crds/kueue.x-k8s.io_topologies.yaml',
  'kueue/v0.19.2/crds/kueue.x-k8s.io_localqueues.yaml',
  'kueue/v0.19.2/crds/kueue.x-k8s.io_workloadpriorityclasses.yaml',
  'ceph-csi-operator/v1.0.4/crds/csi.ceph.io_operatorconfigs.yaml',
  'gateway-api/v1.6.1/crds/gateway.networking.k8s.io_gatewayclasses.yaml',
  'gateway-api/v1.6.1/crds/gateway.networking.k8s.io_gateways.yaml',
];

/** The ValidatingAdmissionPolicy definitions of the Kubernetes 1.35 OpenAPI, extracted (SOURCES.md). */
const ADMISSION_SCHEMAS = 'kubernetes/v1.35/admissionregistration.v1.validating-admission-policy.openapi.json';

/** Kubernetes built-in kinds we create as manifests, validated against the Kubernetes OpenAPI v3 spec. */
const BUILTIN_SPECS: Record<string, { file: string; schema: string }> = {
  'batch/v1/Job': { file: 'kubernetes/v1.35/v3/apis__batch__v1_openapi.json', schema: 'io.k8s.api.batch.v1.Job' },
  'batch/v1/CronJob': { file: 'kubernetes/v1.35/v3/apis__batch__v1_openapi.json', schema: 'io.k8s.api.batch.v1.CronJob' },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': {
    file: ADMISSION_SCHEMAS,
    schema: 'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicy',
  },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': {
    file: ADMISSION_SCHEMAS,
    schema: 'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding',
  },
};

/** Kinds we create whose CRD the upstream snapshot does not hold; checked by targeted tests instead. */
export const CRDS_NOT_VENDORED: Record<string, string> = {
  'nv-ipam.nvidia.com/v1alpha1/IPPool':
    'nv-ipam (Mellanox/nvidia-k8s-ipam) is deployed by the Network Operator but its CRD is not in the upstream snapshot',
};

export const crdKey = (manifest: Tree) => `${String(manifest.apiVersion)}/${String(manifest.kind)}`;

const crdSchemas = new Map<string, Tree>();
const validators = new Map<string, ValidateFunction>();
let loaded = false;

function loadCrds(): void {
  if (loaded) return;
  loaded = true;
  for (const file of CRD_FILES) {
    for (const doc of parseAllDocuments(readFixture(file))) {
      const crd = doc.toJS() as Tree | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Tree } }[] };
      for (const version of spec.versions) {
        const key = `${spec.group}/${version.name}/${spec.names.kind}`;
        crdSchemas.set(key, version.schema.openAPIV3Schema);
      }
    }
  }
}

/**
 * The API server prunes unknown fields silently; `kubectl --validate=strict` rejects them. We
 * want the strict behaviour, so objects with declared properties get additionalProperties: false.
 */
function closeObjects(schema: Tree): Tree {
  const out: Tree = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && isTree(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, closeObjects(s as Tree)]));
    else if ((k === 'items' || k === 'additionalProperties') && isTree(v)) out[k] = closeObjects(v);
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map((s) => closeObjects(s as Tree));
    else out[k] = v;
  }
  if (isTree(out.properties) && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

/** Errors of a custom resource against its CRD; throws when no CRD for it is vendored. */
export function crdErrors(manifest: Tree): string[] {
  loadCrds();
  const [group, version] = String(manifest.apiVersion).split('/');
  const key = `${group}/${version}/${String(manifest.kind)}`;
  if (key in BUILTIN_SPECS) return builtinErrors(key, manifest);
  const schema = crdSchemas.get(key);
  if (!schema) throw new Error(`no vendored CRD for ${key}`);
  if (!validators.has(key)) validators.set(key, ajv.compile(closeObjects(schema)));
  const validate = validators.get(key)!;
  return validate(manifest)
    ? []
    : (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
}

/** Syntax errors of a PromQL expression, as positions; empty when it parses. */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  promqlParser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

const builtinValidators = new Map<string, ValidateFunction>();

/** Errors of a built-in kind against the Kubernetes OpenAPI v3 document of its group. */
function builtinErrors(key: string, manifest: Tree): string[] {
  const { file, schema } = BUILTIN_SPECS[key];
  if (!builtinValidators.has(key)) {
    const doc = JSON.parse(readFixture(file)) as { components: { schemas: Record<string, Tree> } };
    const id = `k8s:${file}`;
    if (!ajv.getSchema(id)) {
      const schemas = Object.fromEntries(Object.entries(doc.components.schemas).map(([name, s]) => [name, closeObjects(s)]));
      ajv.addSchema({ $id: id, components: { schemas } });
    }
    builtinValidators.set(key, ajv.compile({ $ref: `${id}#/components/schemas/${schema}` }));
  }
  const validate = builtinValidators.get(key)!;
  // apiVersion/kind are carried by the GVK extension, metadata by ObjectMeta: all validated.
  return validate(manifest)
    ? []
    : (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
}
