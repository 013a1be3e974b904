/**
 * Evaluates `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicies (and their bindings)
 * against an admission request, with Kubernetes' semantics for matching, matchConditions,
 * variables, failurePolicy and messages. CEL is evaluated by @bufbuild/cel (with the strings
 * extension); see `evaluatePolicy` for what differs from an API server.
 */
import type { CelInput } from '@bufbuild/cel';
import { compile, run, toCel } from './cel-env';

export { parseQuantity, toCel } from './cel-env';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface ResourceRule {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  resourceNames?: string[];
  operations?: (Operation | '*')[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: ResourceRule[];
  excludeResourceRules?: ResourceRule[];
}

export interface NamedExpression {
  name: string;
  expression: string;
}

export interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface ValidatingAdmissionPolicy {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string };
  spec: {
    failurePolicy?: 'Fail' | 'Ignore';
    paramKind?: { apiVersion?: string; kind?: string };
    matchConstraints?: MatchResources;
    matchConditions?: NamedExpression[];
    variables?: NamedExpression[];
    validations?: Validation[];
  };
}

export interface ValidatingAdmissionPolicyBinding {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string };
  spec: {
    policyName: string;
    validationActions?: ('Deny' | 'Warn' | 'Audit')[];
    matchResources?: MatchResources;
  };
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  object: unknown;
  oldObject?: unknown;
  /** Defaults to CREATE. */
  operation?: Operation;
  /** The namespace the object lives in; absent for cluster-scoped objects. */
  namespaceObject?: unknown;
  /** Defaults to the object's apiVersion and the resource Kubernetes would guess from its kind. */
  resource?: GroupVersionResource;
  subResource?: string;
  /** Defaults to the object's apiVersion and kind. */
  kind?: GroupVersionKind;
  userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  /** The binding's parameter object (what its paramRef resolves to); null when absent. */
  params?: unknown;
}

export interface PolicyResult {
  /** The policy matched the request and its matchConditions held. */
  applies: boolean;
  /** The request is admitted. */
  allowed: boolean;
  /** Denial messages (or, for a binding with only Warn/Audit actions, the warnings). */
  messages: string[];
}

const NOT_APPLICABLE: PolicyResult = { applies: false, allowed: true, messages: [] };

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);
const labelsOf = (obj: unknown): Record<string, string> => {
  const metadata = isTree(obj) ? obj.metadata : undefined;
  return isTree(metadata) && isTree(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
};
const metadataString = (obj: unknown, field: 'name' | 'namespace'): string | undefined => {
  const metadata = isTree(obj) ? obj.metadata : undefined;
  return isTree(metadata) && typeof metadata[field] === 'string' ? metadata[field] : undefined;
};

/** Every expression in the policy that does not parse, as "compilation failed" messages. */
function compileErrors(policy: ValidatingAdmissionPolicy): string[] {
  const { matchConditions = [], variables = [], validations = [] } = policy.spec;
  const expressions = [
    ...matchConditions.map((m) => m.expression),
    ...variables.map((v) => v.expression),
    ...validations.flatMap((v) => [v.expression, ...(v.messageExpression ? [v.messageExpression] : [])]),
  ];
  return expressions.flatMap((expression) => {
    const program = compile(expression);
    return program instanceof Error ? [`compilation failed for expression '${expression}': ${program.message}`] : [];
  });
}

// --- matching ---

/**
 * The resource name of a kind: its lower-case English plural, as the built-in and common custom
 * resources are named (pass `request.resource` for irregular ones).
 */
export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower === 'endpoints') return lower;
  if (lower.endsWith('s') || lower.endsWith('x') || lower.endsWith('ch') || lower.endsWith('sh')) return `${lower}es`;
  if (lower.endsWith('y') && !/[aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

function groupVersionOf(obj: unknown): { group: string; version: string } {
  const apiVersion = isTree(obj) && typeof obj.apiVersion === 'string' ? obj.apiVersion : 'v1';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The request with every default filled in. */
function normalize(request: AdmissionRequest) {
  const operation = request.operation ?? 'CREATE';
  const subject = request.object ?? request.oldObject;
  const kindName = isTree(subject) && typeof subject.kind === 'string' ? subject.kind : '';
  const gv = groupVersionOf(subject);
  const kind = request.kind ?? { ...gv, kind: kindName };
  const resource = request.resource ?? { ...gv, resource: guessResource(kind.kind) };
  const name = metadataString(subject, 'name') ?? '';
  const namespace = metadataString(subject, 'namespace') ?? metadataString(request.namespaceObject, 'name') ?? '';
  return { ...request, operation, kind, resource, name, namespace, subject };
}
type Request = ReturnType<typeof normalize>;

/** A Kubernetes label selector; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const present = Object.hasOwn(labels, key);
      switch (operator) {
        case 'In':
          return present && values.includes(labels[key]);
        case 'NotIn':
          return !present || !values.includes(labels[key]);
        case 'Exists':
          return present;
        case 'DoesNotExist':
          return !present;
        default:
          throw new Error(`unknown label selector operator ${operator as string}`);
      }
    })
  );
}

const isEmptySelector = (s: LabelSelector | undefined) =>
  !s || (Object.keys(s.matchLabels ?? {}).length === 0 && !s.matchExpressions?.length);

const listMatches = (list: string[] | undefined, value: string) => (list ?? []).some((item) => item === '*' || item === value);

/** Kubernetes' admission rule matcher: operation, group, version, resource[/subresource], scope, names. */
function ruleMatches(rule: ResourceRule, req: Request): boolean {
  const resourceMatch = (rule.resources ?? []).some((entry) => {
    const [res, sub = ''] = entry.split('/', 2);
    return (res === '*' || res === req.resource.resource) && (sub === '*' || sub === (req.subResource ?? ''));
  });
  const scope = rule.scope ?? '*';
  const scopeMatch = scope === '*' || (scope === 'Namespaced') === (req.namespace !== '');
  const namesMatch = !rule.resourceNames?.length || rule.resourceNames.includes(req.name);
  return (
    listMatches(rule.operations, req.operation) &&
    listMatches(rule.apiGroups, req.resource.group) &&
    listMatches(rule.apiVersions, req.resource.version) &&
    resourceMatch &&
    scopeMatch &&
    namesMatch
  );
}

/** Whether `match` (a policy's matchConstraints or a binding's matchResources) selects the request. */
function resourcesMatch(match: MatchResources | undefined, req: Request): boolean {
  if (!match) return true;
  if (match.resourceRules && !match.resourceRules.some((r) => ruleMatches(r, req))) return false;
  if ((match.excludeResourceRules ?? []).some((r) => ruleMatches(r, req))) return false;
  // Namespaces are selected by their own labels; other cluster-scoped objects are never excluded.
  const isNamespace = req.kind.kind === 'Namespace' && req.kind.group === '';
  const namespaceLabels = isNamespace ? labelsOf(req.subject) : req.namespaceObject ? labelsOf(req.namespaceObject) : undefined;
  if (namespaceLabels) {
    if (!selectorMatches(match.namespaceSelector, namespaceLabels)) return false;
  } else if (req.namespace !== '' && !isEmptySelector(match.namespaceSelector)) {
    throw new Error(`namespaceSelector on a namespaced ${req.kind.kind}: pass request.namespaceObject so its labels are known`);
  }
  const objects = [req.object, req.oldObject].filter((o) => o != null);
  return objects.length === 0 || objects.some((o) => selectorMatches(match.objectSelector, labelsOf(o)));
}

// --- evaluation ---

/** The CEL variables of an admission request (`variables` is added per expression). */
function bindingsFor(req: Request): Record<string, CelInput> {
  return {
    object: toCel(req.object ?? null),
    oldObject: toCel(req.oldObject ?? null),
    namespaceObject: toCel(req.namespaceObject ?? null),
    params: toCel(req.params ?? null),
    request: toCel({
      kind: req.kind,
      resource: req.resource,
      subResource: req.subResource ?? '',
      requestKind: req.kind,
      requestResource: req.resource,
      name: req.name,
      namespace: req.namespace,
      operation: req.operation,
      userInfo: { username: '', groups: [], ...req.userInfo },
      dryRun: false,
    }),
  };
}

/** A failed validation's message: messageExpression if it yields a usable string, else message, else the default. */
function failureMessage(v: Validation, bindings: Record<string, CelInput>): string {
  if (v.messageExpression) {
    const out = run(v.messageExpression, bindings);
    if ('value' in out && typeof out.value === 'string' && out.value.trim() !== '' && !/[\r\n]/.test(out.value)) return out.value;
  }
  return v.message ?? `failed expression: ${v.expression.trim()}`;
}

/**
 * Evaluates one ValidatingAdmissionPolicy against `request`, as if bound with validationActions
 * [Deny] and no extra matchResources. Follows the API server: matchConstraints, then matchConditions
 * (any false: not applicable; an error: failurePolicy), variables in order (each may use earlier
 * ones; one that fails only fails the expressions that use it), then every validation (false:
 * denied with its message; an error: failurePolicy, Fail by default).
 *
 * Differences from a cluster: expressions are not type-checked, so type errors surface as runtime
 * errors; a policy with an expression that does not parse (which the API server would refuse to
 * store) is always denied, whatever its failurePolicy; `params` is null and `authorizer` is not
 * available; only the standard library and the strings extension exist (no Kubernetes library
 * functions such as quantity() or url(), no optional types, no cel.bind).
 */
export function evaluatePolicy(policy: ValidatingAdmissionPolicy, request: AdmissionRequest): PolicyResult {
  const req = normalize(request);
  if (!resourcesMatch(policy.spec.matchConstraints, req)) return NOT_APPLICABLE;

  const invalid = compileErrors(policy);
  if (invalid.length > 0) return { applies: true, allowed: false, messages: invalid };

  const ignoreErrors = policy.spec.failurePolicy === 'Ignore';
  const bindings = bindingsFor(req);

  const conditionErrors: string[] = [];
  for (const { name, expression } of policy.spec.matchConditions ?? []) {
    const out = run(expression, bindings);
    if ('error' in out) conditionErrors.push(`matchCondition '${name}' failed: ${out.error}`);
    else if (typeof out.value !== 'boolean') conditionErrors.push(`matchCondition '${name}' must evaluate to bool`);
    else if (!out.value) return NOT_APPLICABLE;
  }
  if (conditionErrors.length > 0) {
    return ignoreErrors ? NOT_APPLICABLE : { applies: true, allowed: false, messages: conditionErrors };
  }

  const variables: Record<string, CelInput> = {};
  const failedVariables = new Map<string, string>();
  for (const { name, expression } of policy.spec.variables ?? []) {
    const out = run(expression, { ...bindings, variables });
    if ('error' in out) failedVariables.set(name, out.error);
    else variables[name] = out.value;
  }
  const withVariables = { ...bindings, variables };

  const messages: string[] = [];
  for (const validation of policy.spec.validations ?? []) {
    const out = run(validation.expression, withVariables);
    if ('value' in out && out.value === true) continue;
    if ('value' in out && out.value === false) {
      messages.push(failureMessage(validation, withVariables));
      continue;
    }
    if (ignoreErrors) continue;
    const cause =
      'error' in out
        ? (usedFailedVariable(validation.expression, failedVariables) ?? out.error)
        : 'validation expression must evaluate to bool';
    messages.push(`expression '${validation.expression.trim()}' resulted in error: ${cause}`);
  }
  return { applies: true, allowed: messages.length === 0, messages };
}

/** For an expression that errored: the failure of a variable it uses, if any. */
function usedFailedVariable(expression: string, failed: Map<string, string>): string | undefined {
  for (const [name, error] of failed) {
    if (new RegExp(`\\bvariables\\s*(\\.\\s*${name}\\b|\\[\\s*['"]${name}['"]\\s*\\])`).test(expression)) {
      return `variable '${name}' failed: ${error}`;
    }
  }
  return undefined;
}

/**
 * Evaluates `policy` through `binding`: the binding must name the policy, its matchResources
 * (resource rules, namespaceSelector against the namespace's labels, objectSelector) must select the
 * request, and its validationActions decide the outcome: with Deny a failure denies; with only
 * Warn/Audit the request is allowed and the failures come back as messages. validationActions
 * defaults to [Deny].
 */
export function evaluateBinding(
  binding: ValidatingAdmissionPolicyBinding,
  policy: ValidatingAdmissionPolicy,
  request: AdmissionRequest,
): PolicyResult {
  if (binding.spec.policyName !== policy.metadata.name) return NOT_APPLICABLE;
  if (!resourcesMatch(binding.spec.matchResources, normalize(request))) return NOT_APPLICABLE;
  const result = evaluatePolicy(policy, request);
  const deny = (binding.spec.validationActions ?? ['Deny']).includes('Deny');
  return deny ? result : { ...result, allowed: true };
}
