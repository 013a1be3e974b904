import {
  type AdmissionRequest,
  evaluateBinding,
  evaluatePolicy,
  guessResource,
  selectorMatches,
  toCel,
  type ValidatingAdmissionPolicy,
  type ValidatingAdmissionPolicyBinding,
} from './cel-policy';

const policy = (spec: ValidatingAdmissionPolicy['spec'], name = 'test-policy'): ValidatingAdmissionPolicy => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name },
  spec,
});

const pod = (spec: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'tenant-a', labels },
  spec: { containers: [{ name: 'c', image: 'registry.example.com/c:1' }], ...spec },
});

const tenantNamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { 'fleet.example/tenant': 'a' } } };
const podRules = {
  resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE' as const, 'UPDATE' as const] }],
};

describe('ValidatingAdmissionPolicy evaluator', () => {
  const nonRoot = (failurePolicy: 'Fail' | 'Ignore') =>
    policy({
      failurePolicy,
      matchConstraints: podRules,
      validations: [{ expression: 'object.spec.securityContext.runAsNonRoot == true', message: 'pods must run as non-root' }],
    });

  test('an expression without has() denies a pod missing the optional field under failurePolicy Fail', () => {
    const result = evaluatePolicy(nonRoot('Fail'), { object: pod({}) });
    expect(result.applies).toBe(true);
    expect(result.allowed).toBe(false);
    expect(result.messages).toEqual([
      "expression 'object.spec.securityContext.runAsNonRoot == true' resulted in error: field not found: securityContext",
    ]);
  });

  test('the same error is ignored under failurePolicy Ignore', () => {
    expect(evaluatePolicy(nonRoot('Ignore'), { object: pod({}) })).toEqual({ applies: true, allowed: true, messages: [] });
  });

  test('failurePolicy defaults to Fail', () => {
    const { failurePolicy: _, ...spec } = nonRoot('Fail').spec;
    expect(evaluatePolicy(policy(spec), { object: pod({}) }).allowed).toBe(false);
  });

  test('a false validation denies with its message, a true one admits', () => {
    expect(evaluatePolicy(nonRoot('Ignore'), { object: pod({ securityContext: { runAsNonRoot: false } }) })).toEqual({
      applies: true,
      allowed: false,
      messages: ['pods must run as non-root'],
    });
    expect(evaluatePolicy(nonRoot('Fail'), { object: pod({ securityContext: { runAsNonRoot: true } }) }).allowed).toBe(true);
  });

  test('without message or messageExpression the message is the failed expression', () => {
    const p = policy({ validations: [{ expression: 'has(object.spec.priorityClassName)' }] });
    expect(evaluatePolicy(p, { object: pod({}) }).messages).toEqual(['failed expression: has(object.spec.priorityClassName)']);
  });

  test('messageExpression builds the message, falling back to message when it fails', () => {
    const p = policy({
      validations: [
        {
          expression: "object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
          messageExpression: "'images must come from registry.example.com, not ' + object.spec.containers.map(c, c.image).join(', ')",
        },
        { expression: 'false', message: 'static message', messageExpression: 'object.spec.nope' },
      ],
    });
    const object = pod({
      containers: [
        { name: 'a', image: 'docker.io/a' },
        { name: 'b', image: 'quay.io/b' },
      ],
    });
    expect(evaluatePolicy(p, { object }).messages).toEqual([
      'images must come from registry.example.com, not docker.io/a, quay.io/b',
      'static message',
    ]);
  });

  test('matchConditions that are false exclude the request; all true let it through', () => {
    const p = policy({
      matchConditions: [
        {
          name: 'is-gpu-pod',
          expression:
            "object.spec.containers.exists(c, has(c.resources) && has(c.resources.limits) && 'nvidia.com/gpu' in c.resources.limits)",
        },
        { name: 'not-system', expression: "!request.namespace.startsWith('kube-')" },
      ],
      validations: [{ expression: "'kueue.x-k8s.io/queue-name' in object.metadata.labels", message: 'GPU pods need a queue' }],
    });
    const gpu = { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 1 } } }] };
    expect(evaluatePolicy(p, { object: pod({}) })).toEqual({ applies: false, allowed: true, messages: [] });
    expect(evaluatePolicy(p, { object: { ...pod(gpu), metadata: { name: 'p', namespace: 'kube-system' } } }).applies).toBe(false);
    expect(evaluatePolicy(p, { object: pod(gpu) })).toEqual({ applies: true, allowed: false, messages: ['GPU pods need a queue'] });
    expect(evaluatePolicy(p, { object: pod(gpu, { 'kueue.x-k8s.io/queue-name': 'team' }) }).allowed).toBe(true);
  });

  test('a matchCondition error follows failurePolicy', () => {
    const spec = { matchConditions: [{ name: 'broken', expression: 'object.spec.nope' }], validations: [{ expression: 'true' }] };
    const denied = evaluatePolicy(policy(spec), { object: pod({}) });
    expect(denied.allowed).toBe(false);
    expect(denied.messages).toEqual(["matchCondition 'broken' failed: field not found: nope"]);
    expect(evaluatePolicy(policy({ ...spec, failurePolicy: 'Ignore' }), { object: pod({}) }).applies).toBe(false);
  });

  test('matchConstraints.resourceRules select by resource and operation', () => {
    const p = policy({ matchConstraints: podRules, validations: [{ expression: 'false' }] });
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'tenant-a' }, spec: {} };
    expect(evaluatePolicy(p, { object: pod({}) }).applies).toBe(true);
    expect(evaluatePolicy(p, { object: pod({}), operation: 'DELETE' }).applies).toBe(false);
    expect(evaluatePolicy(p, { object: deployment }).applies).toBe(false);
    expect(evaluatePolicy(p, { object: pod({}), subResource: 'status' }).applies).toBe(false);
    const wildcard = policy({
      matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['*'] }] },
      validations: [{ expression: 'false' }],
    });
    expect(evaluatePolicy(wildcard, { object: deployment, operation: 'UPDATE' }).applies).toBe(true);
  });

  test('variables are evaluated in order and may use earlier ones', () => {
    const p = policy({
      variables: [
        { name: 'containers', expression: 'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])' },
        { name: 'unpinned', expression: "variables.containers.filter(c, !c.image.contains('@sha256:') && c.image.endsWith(':latest'))" },
        { name: 'count', expression: 'size(variables.unpinned)' },
      ],
      validations: [{ expression: 'variables.count == 0', messageExpression: "string(variables.count) + ' container(s) use :latest'" }],
    });
    const object = pod({ initContainers: [{ name: 'i', image: 'busybox:latest' }], containers: [{ name: 'c', image: 'app:latest' }] });
    expect(evaluatePolicy(p, { object }).messages).toEqual(['2 container(s) use :latest']);
    expect(evaluatePolicy(p, { object: pod({}) }).allowed).toBe(true);
  });

  test('a failing variable only fails the validations that use it', () => {
    const p = policy({
      variables: [{ name: 'sc', expression: 'object.spec.securityContext' }],
      validations: [{ expression: 'true' }, { expression: 'variables.sc.runAsNonRoot == true' }],
    });
    expect(evaluatePolicy(p, { object: pod({}) }).messages).toEqual([
      "expression 'variables.sc.runAsNonRoot == true' resulted in error: variable 'sc' failed: field not found: securityContext",
    ]);
  });

  test('a syntactically invalid expression is reported as a failure, even under failurePolicy Ignore', () => {
    for (const failurePolicy of ['Fail', 'Ignore'] as const) {
      const result = evaluatePolicy(policy({ failurePolicy, validations: [{ expression: 'object.spec.containers.all(c, ' }] }), {
        object: pod({}),
      });
      expect(result.allowed).toBe(false);
      expect(result.messages[0]).toMatch(/^compilation failed for expression 'object\.spec\.containers\.all\(c, '/);
    }
  });

  test('a non-boolean validation result is an error', () => {
    const result = evaluatePolicy(policy({ validations: [{ expression: 'object.metadata.name' }] }), { object: pod({}) });
    expect(result.messages).toEqual(["expression 'object.metadata.name' resulted in error: validation expression must evaluate to bool"]);
  });

  test('the CEL environment: request, oldObject, namespaceObject, params and integer fields', () => {
    const check = (expression: string, request: AdmissionRequest) => evaluatePolicy(policy({ validations: [{ expression }] }), request);
    const request: AdmissionRequest = {
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd', namespace: 'tenant-a' },
        spec: { replicas: 3, ratio: 0.5 },
      },
      namespaceObject: tenantNamespace,
      userInfo: { username: 'alice', groups: ['tenants'] },
    };
    for (const expression of [
      'object.spec.replicas > 1 && type(object.spec.replicas) == int && object.spec.ratio < 1.0',
      "request.operation == 'CREATE' && request.kind.kind == 'Deployment' && request.resource.resource == 'deployments'",
      "request.resource.group == 'apps' && request.namespace == 'tenant-a' && request.name == 'd'",
      "request.userInfo.username == 'alice' && 'tenants' in request.userInfo.groups",
      "oldObject == null && params == null && namespaceObject.metadata.labels['fleet.example/tenant'] == 'a'",
      "'a,b'.split(',').size() == 2 && 'ABC'.lowerAscii() == 'abc'",
    ]) {
      expect({ expression, ...check(expression, request) }).toEqual({ expression, applies: true, allowed: true, messages: [] });
    }
    const update = { ...request, operation: 'UPDATE' as const, oldObject: { ...(request.object as object), spec: { replicas: 1 } } };
    expect(check('object.spec.replicas > oldObject.spec.replicas', update).allowed).toBe(true);
  });

  test('JSON values map to CEL: integers to int, null fields dropped', () => {
    expect(toCel({ a: 1, b: 1.5, c: null, d: [1, 'x', true] })).toEqual({ a: 1n, b: 1.5, d: [1n, 'x', true] });
  });
});

describe('ValidatingAdmissionPolicyBinding evaluator', () => {
  const p = policy(
    {
      matchConstraints: podRules,
      validations: [{ expression: 'has(object.spec.priorityClassName)', message: 'tenant pods need a priorityClassName' }],
    },
    'tenant-priority',
  );
  const binding = (spec: Partial<ValidatingAdmissionPolicyBinding['spec']>): ValidatingAdmissionPolicyBinding => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'tenant-priority-binding' },
    spec: {
      policyName: 'tenant-priority',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: 'fleet.example/tenant', operator: 'Exists' }] } },
      ...spec,
    },
  });

  test('namespaceSelector picks tenant namespaces only', () => {
    const system = { metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
    expect(evaluateBinding(binding({}), p, { object: pod({}), namespaceObject: tenantNamespace })).toEqual({
      applies: true,
      allowed: false,
      messages: ['tenant pods need a priorityClassName'],
    });
    expect(evaluateBinding(binding({}), p, { object: pod({}), namespaceObject: system }).applies).toBe(false);
  });

  test('matchLabels and the set operators of namespaceSelector', () => {
    const labels = { tier: 'gpu', team: 'a' };
    expect(selectorMatches({ matchLabels: { tier: 'gpu' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { tier: 'cpu' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'missing', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({}, {})).toBe(true);
  });

  test('a namespaceSelector on a namespaced object needs the namespace', () => {
    expect(() => evaluateBinding(binding({}), p, { object: pod({}) })).toThrow(/pass request.namespaceObject/);
  });

  test('Warn and Audit bindings admit and return the messages', () => {
    const result = evaluateBinding(binding({ validationActions: ['Warn', 'Audit'] }), p, {
      object: pod({}),
      namespaceObject: tenantNamespace,
    });
    expect(result).toEqual({ applies: true, allowed: true, messages: ['tenant pods need a priorityClassName'] });
  });

  test('a binding for another policy does not apply', () => {
    expect(evaluateBinding(binding({ policyName: 'other' }), p, { object: pod({}), namespaceObject: tenantNamespace }).applies).toBe(false);
  });

  test('a compliant pod is admitted', () => {
    const result = evaluateBinding(binding({}), p, { object: pod({ priorityClassName: 'tenant' }), namespaceObject: tenantNamespace });
    expect(result).toEqual({ applies: true, allowed: true, messages: [] });
  });
});

test('resource names are guessed from kinds', () => {
  expect(['Pod', 'Ingress', 'NetworkPolicy', 'Gateway', 'Mesh'].map(guessResource)).toEqual([
    'pods',
    'ingresses',
    'networkpolicies',
    'gateways',
    'meshes',
  ]);
});
