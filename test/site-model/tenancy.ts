/**
 * Rules of tenant isolation, as the API server, Pod Security admission, the ValidatingAdmissionPolicies,
 * RBAC, network policies and Kueue would apply them to what a tenant submits. Each tenant must be
 * refused what would reach beyond its grant (GPUs outside requests, reserved priorities, capabilities
 * beyond IPC_LOCK, another namespace's networks) and granted what the sites exist for (a multi-node
 * RDMA job through its queue, a model served on the inference pool, a bucket).
 */
import { evaluateBinding, type ValidatingAdmissionPolicy, type ValidatingAdmissionPolicyBinding } from '../admission/cel-policy';
import { podSecurityViolations } from '../admission/pod-security';
import { admission, podRequests, quantity } from './kueue';
import { manifestsOf, type Obj, poolNodes, resourcesOf, selects, type SiteOutput, tolerates } from './output';

const TENANT_LABEL = 'ai-factory.eu/tenant';
const ENFORCE = 'pod-security.kubernetes.io/enforce';
const AUDIT = 'pod-security.kubernetes.io/audit';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export interface TenantView {
  readonly name: string;
  readonly namespace: Obj;
  readonly labels: Record<string, string>;
  /** The hard limits of its ResourceQuotas without a scope. */
  readonly quota: Record<string, string>;
  readonly scopedQuotas: Obj[];
  readonly roleRules: Obj[];
  readonly networkPolicies: Obj[];
  readonly configMaps: Record<string, Record<string, string>>;
  /** NetworkAttachmentDefinitions the Network Operator creates in the namespace. */
  readonly networks: string[];
}

const first = <T>(v: T | T[]): T => (Array.isArray(v) ? v[0] : v);

/** A label selector as the Terraform provider writes it (match_labels, match_expressions), in API form. */
function apiSelector(selector: Obj | Obj[] | undefined): Obj {
  const s = first(selector ?? {}) ?? {};
  return {
    matchLabels: s.match_labels ?? s.matchLabels ?? {},
    matchExpressions: (s.match_expressions ?? s.matchExpressions ?? []).map((e: Obj) => ({
      key: e.key,
      operator: e.operator,
      values: e.values,
    })),
  };
}

/** Every tenant namespace of a site with what the tenants stack puts into it. */
export function tenantViews(out: SiteOutput): TenantView[] {
  const inNamespace = (type: string, ns: string) =>
    resourcesOf(out.tenants, type)
      .map(([, r]) => r)
      .filter((r) => first(r.metadata).namespace === ns);
  return resourcesOf(out.tenants, 'kubernetes_namespace_v1')
    .map(([, r]) => first(r.metadata))
    .filter((m) => TENANT_LABEL in (m.labels ?? {}))
    .map((m) => {
      const quotas = inNamespace('kubernetes_resource_quota_v1', m.name);
      return {
        name: m.name,
        namespace: { metadata: { name: m.name, labels: m.labels } },
        labels: m.labels,
        quota: Object.assign({}, ...quotas.filter((q) => !first(q.spec).scope_selector).map((q) => first(q.spec).hard)),
        scopedQuotas: quotas.filter((q) => first(q.spec).scope_selector).map((q) => first(q.spec)),
        roleRules: inNamespace('kubernetes_role_v1', m.name).flatMap((r) => r.rule),
        networkPolicies: inNamespace('kubernetes_network_policy_v1', m.name).map((p) => first(p.spec)),
        configMaps: Object.fromEntries(inNamespace('kubernetes_config_map_v1', m.name).map((c) => [first(c.metadata).name, c.data])),
        networks: manifestsOf(out.tenants)
          .filter((x) => x.spec?.networkNamespace === m.name)
          .map((x) => x.metadata.name),
      };
    });
}

/** ValidatingAdmissionPolicies and their bindings, from every stack of the site. */
function admissionPolicies(out: SiteOutput): { policies: ValidatingAdmissionPolicy[]; bindings: ValidatingAdmissionPolicyBinding[] } {
  const all = [out.foundation, out.platform, out.tenants].flatMap(manifestsOf);
  return {
    policies: all.filter((m) => m.kind === 'ValidatingAdmissionPolicy') as ValidatingAdmissionPolicy[],
    bindings: all.filter((m) => m.kind === 'ValidatingAdmissionPolicyBinding') as ValidatingAdmissionPolicyBinding[],
  };
}

/**
 * Why the API server would refuse `object` (a Pod, Job, bucket claim...) created in a tenant's
 * namespace: Pod Security at the enforced level (pods only), then every bound policy, with its
 * parameter resolved in the object's namespace. Empty: admitted.
 */
export function admissionDenials(out: SiteOutput, tenant: TenantView, object: Obj): string[] {
  const denials: string[] = [];
  if (object.kind === 'Pod') {
    const level = tenant.labels[ENFORCE];
    if (level !== 'privileged') denials.push(...podSecurityViolations(level as 'baseline' | 'restricted', object));
  }
  const { policies, bindings } = admissionPolicies(out);
  for (const binding of bindings) {
    const policy = policies.find((p) => p.metadata.name === binding.spec.policyName);
    if (!policy) continue;
    // A paramRef without a namespace reads the parameter from the object's own namespace.
    const paramRef = (binding.spec as Obj).paramRef as { name: string; namespace?: string } | undefined;
    const paramNamespace = paramRef?.namespace ?? tenant.name;
    const data = paramRef ? configMap(out, paramNamespace, paramRef.name) : undefined;
    const params = data ? { data } : undefined;
    const result = evaluateBinding(binding, policy, { object, namespaceObject: tenant.namespace, params });
    // parameterNotFoundAction: Deny refuses whatever the binding matches when the parameter is missing.
    if (paramRef && !params) {
      if (result.applies) denials.push(`${policy.metadata.name}: parameter ConfigMap ${paramRef.name} is missing in ${paramNamespace}`);
      continue;
    }
    if (!result.allowed) denials.push(...result.messages.map((m) => `${policy.metadata.name}: ${m}`));
  }
  return denials;
}

/** The data of a ConfigMap the site's stacks create, by namespace and name. */
export function configMap(out: SiteOutput, namespace: string, name: string): Record<string, string> | undefined {
  return [out.foundation, out.platform, out.tenants]
    .flatMap((stack) => resourcesOf(stack, 'kubernetes_config_map_v1'))
    .map(([, c]) => c)
    .find((c) => first(c.metadata).namespace === namespace && first(c.metadata).name === name)?.data;
}

/** Does the tenant's Role let its members `verb` `resource` of `group`. */
export function roleAllows(tenant: TenantView, group: string, resource: string, verb: string): boolean {
  return tenant.roleRules.some(
    (r) => (r.api_groups ?? []).includes(group) && (r.resources ?? []).includes(resource) && (r.verbs ?? []).includes(verb),
  );
}

/** Does a tenant network policy admit traffic into pods with `podLabels` from `namespace` on `port`. */
function ingressAllowed(tenant: TenantView, podLabels: Record<string, string>, namespace: string, port: number): boolean {
  return tenant.networkPolicies.some((p) => {
    const types: string[] = p.policy_types ?? [];
    if (!types.includes('Ingress') || !selects(apiSelector(p.pod_selector), podLabels)) return false;
    return (p.ingress ?? []).some((rule: Obj) => {
      const from = (rule.from ?? []).some(
        (f: Obj) => f.namespace_selector && selects(apiSelector(f.namespace_selector), { 'kubernetes.io/metadata.name': namespace }),
      );
      const ports: Obj[] = rule.ports ?? [];
      return from && (ports.length === 0 || ports.some((x) => String(x.port) === String(port)));
    });
  });
}

/** Does a tenant network policy let its pods reach pods with `podLabels` in `namespace` on `port`. */
function egressAllowed(tenant: TenantView, podLabels: Record<string, string>, namespace: string, port: number): boolean {
  return tenant.networkPolicies.some((p) =>
    (p.egress ?? []).some((rule: Obj) => {
      const to = (rule.to ?? []).some(
        (t: Obj) =>
          t.namespace_selector &&
          selects(apiSelector(t.namespace_selector), { 'kubernetes.io/metadata.name': namespace }) &&
          selects(apiSelector(t.pod_selector), podLabels),
      );
      return to && (rule.ports ?? []).some((x: Obj) => String(x.port) === String(port));
    }),
  );
}

const restrictedPod = (namespace: string, spec: Obj, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'probe', namespace, ...metadata },
  spec: {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    ...spec,
    containers: spec.containers ?? [{ name: 'main', image: 'registry.example/app:1.0', securityContext: RESTRICTED_CONTAINER }],
  },
});

/** What no tenant may do, each as a pod or object the admission chain must refuse. */
export function forbiddenProbes(tenant: TenantView): { what: string; object: Obj }[] {
  const ns = tenant.name;
  const container = (securityContext: Obj) => [{ name: 'main', image: 'registry.example/app:1.0', securityContext }];
  return [
    { what: 'a pod at priority factory-system', object: restrictedPod(ns, { priorityClassName: 'factory-system' }) },
    { what: 'a pod at priority system-node-critical', object: restrictedPod(ns, { priorityClassName: 'system-node-critical' }) },
    { what: 'a pod at priority factory-check', object: restrictedPod(ns, { priorityClassName: 'factory-check' }) },
    {
      what: 'a pod adding SYS_ADMIN',
      object: restrictedPod(ns, {
        containers: container({ ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
      }),
    },
    {
      what: 'a privileged pod',
      object: restrictedPod(ns, { containers: container({ ...RESTRICTED_CONTAINER, allowPrivilegeEscalation: true, privileged: true }) }),
    },
    { what: 'a pod on the host network', object: restrictedPod(ns, { hostNetwork: true }) },
    { what: 'a pod mounting a host path', object: restrictedPod(ns, { volumes: [{ name: 'host', hostPath: { path: '/dev' } }] }) },
    { what: 'a pod placed directly on a node', object: restrictedPod(ns, { nodeName: 'gpu-node-1' }) },
    { what: 'a pod under another runtime class', object: restrictedPod(ns, { runtimeClassName: 'runc-privileged' }) },
    {
      what: "a pod attaching another namespace's rail network",
      object: restrictedPod(ns, {}, { annotations: { [NETWORKS]: 'factory-acceptance/rail-0' } }),
    },
    {
      what: 'a NodePort Service',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'probe', namespace: ns },
        spec: { type: 'NodePort', ports: [{ port: 80 }] },
      },
    },
    {
      what: 'a Service with external IPs',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'probe', namespace: ns },
        spec: { ports: [{ port: 443 }], externalIPs: ['198.51.100.7'] },
      },
    },
    {
      what: 'a Job at the acceptance checks’ Kueue priority',
      object: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'probe', namespace: ns, labels: { 'kueue.x-k8s.io/priority-class': 'acceptance' } },
        spec: { template: { spec: restrictedPod(ns, {}).spec } },
      },
    },
  ];
}

/** A tenant's multi-node RDMA training job on a whole-GPU rail pool, as its users would write it. */
export function rdmaJob(tenant: TenantView, pool: { name: string; gpusPerNode: number }, nodes: number): Obj | undefined {
  const rails = tenant.configMaps['rail-networks'];
  if (!rails) return undefined;
  const annotation = rails.networks;
  const rdma = Object.fromEntries(rails.resources.split('\n').map((l) => l.split(': ')));
  const amounts = { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': String(pool.gpusPerNode), ...rdma };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train', namespace: tenant.name, labels: { 'kueue.x-k8s.io/queue-name': 'default' } },
    spec: {
      completions: nodes,
      parallelism: nodes,
      completionMode: 'Indexed',
      template: {
        metadata: { annotations: { [NETWORKS]: annotation, 'kueue.x-k8s.io/podset-preferred-topology': 'ai-factory.eu/block' } },
        spec: {
          ...restrictedPod(tenant.name, {}).spec,
          nodeSelector: { 'ai-factory.eu/pool': pool.name },
          priorityClassName: 'factory-production',
          containers: [
            {
              name: 'trainer',
              image: 'nvcr.io/nvidia/pytorch:25.10-py3',
              securityContext: { ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } },
              resources: { requests: amounts, limits: amounts },
            },
          ],
        },
      },
    },
  };
}

const podOf = (job: Obj): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `${job.metadata.name}-0`, namespace: job.metadata.namespace, ...job.spec.template.metadata },
  spec: job.spec.template.spec,
});

/** Quota needed for `count` pods of `pod` within the tenant's ResourceQuota; undefined when it fits. */
function quotaShortfall(tenant: TenantView, pod: Obj, count: number): string | undefined {
  for (const [resource, perPod] of Object.entries(podRequests(pod))) {
    const limit = tenant.quota[`requests.${resource}`];
    if (limit === undefined) continue;
    if (perPod * count > quantity(limit)) return `${resource}: ${count} x ${perPod} > quota ${limit}`;
  }
  return undefined;
}

/** The pod KServe makes from the vLLM ClusterServingRuntime for an InferenceService in `namespace`. */
export function servingPod(out: SiteOutput, namespace: string): Obj | undefined {
  const runtime = manifestsOf(out.platform).find((m) => m.kind === 'ClusterServingRuntime');
  if (!runtime) return undefined;
  const { containers, volumes, nodeSelector, tolerations, labels } = runtime.spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'llm-predictor-0', namespace, labels: { ...labels, 'serving.kserve.io/inferenceservice': 'llm' } },
    spec: { containers, volumes, nodeSelector, tolerations },
  };
}

/**
 * Every rule of tenant isolation over one site; each problem names the tenant and what happened.
 * `exercised` collects which positive scenarios ran (`<site>/<tenant>: rdma|inference|bucket`), so
 * a test can tell a passing rule from one that had nothing to look at.
 */
export function tenantProblems(out: SiteOutput, exercised?: Set<string>): string[] {
  if (!out.tenants) return [];
  const problems: string[] = [];
  const nodes = poolNodes(out);
  const gpuResources = new Set(
    manifestsOf(out.platform)
      .filter((m) => m.kind === 'ClusterQueue')
      .flatMap((q) => q.spec.resourceGroups.flatMap((g: Obj) => g.coveredResources as string[]))
      .filter((r) => r.startsWith('nvidia.com/')),
  );
  const runtime = servingPod(out, 'x');
  const gateway = manifestsOf(out.platform).find((m) => m.kind === 'Gateway');
  const objectStore = resourcesOf(out.platform, 'kubernetes_storage_class_v1').find(([, c]) => first(c.metadata).name === 'object');

  for (const tenant of tenantViews(out)) {
    const who = `${out.site}: tenant ${tenant.name}`;
    // Pod Security still reports restricted, and the guard is what enforces.
    if (tenant.labels[AUDIT] !== 'restricted') problems.push(`${who}: namespace does not audit Pod Security restricted`);
    for (const probe of forbiddenProbes(tenant)) {
      if (admissionDenials(out, tenant, probe.object).length === 0) problems.push(`${who}: admission lets it create ${probe.what}`);
    }
    // GPUs only through requests, and every kind of GPU the site advertises is under the namespace quota.
    for (const resource of gpuResources) {
      if (!(`requests.${resource}` in tenant.quota)) problems.push(`${who}: no ResourceQuota on ${resource}`);
    }
    if (!tenant.scopedQuotas.some((q) => first(q.hard).pods === '0' && JSON.stringify(q.scope_selector).includes('factory-system')))
      problems.push(`${who}: no quota of zero pods at the reserved priorities`);

    // A multi-node RDMA job through its queue, on a whole-GPU rail pool it can fill two nodes of.
    if (tenant.configMaps['rail-networks']) {
      const gpus = quantity(tenant.quota['requests.nvidia.com/gpu'] ?? '0');
      const candidates = railPoolNames(out)
        .map((name) => ({ name, ...poolFacts(out, name) }))
        .filter((p) => p.whole && p.gpusPerNode > 0 && gpus >= 2 * p.gpusPerNode);
      for (const pool of candidates.slice(0, 1)) {
        exercised?.add(`${out.site}/${tenant.name}: rdma`);
        const job = rdmaJob(tenant, pool, 2)!;
        const pod = podOf(job);
        const refused = admissionDenials(out, tenant, pod).concat(admissionDenials(out, tenant, job));
        if (refused.length) problems.push(`${who}: its RDMA job on ${pool.name} is refused: ${refused.join('; ')}`);
        const queued = admission(out, {
          name: `Job/${tenant.name}/train`,
          namespace: tenant.name,
          queue: 'default',
          count: 2,
          pod: pod.spec,
          labels: {},
          annotations: pod.metadata.annotations,
        });
        if (queued) problems.push(`${who}: Kueue never admits its RDMA job on ${pool.name}: ${queued}`);
        const short = quotaShortfall(tenant, pod.spec, 2);
        if (short) problems.push(`${who}: its RDMA job exceeds the namespace quota (${short})`);
        for (const name of pod.metadata.annotations[NETWORKS].split(',')) {
          if (!tenant.networks.includes(name)) problems.push(`${who}: rail network ${name} does not exist in its namespace`);
        }
        if (!roleAllows(tenant, 'batch', 'jobs', 'create')) problems.push(`${who}: its members cannot create Jobs`);
      }
    }

    // A model served on the inference pool, reachable through the site gateway.
    if (runtime) {
      const pod = servingPod(out, tenant.name)!;
      const gpus = podRequests(pod.spec)['nvidia.com/gpu'] ?? 0;
      if (quantity(tenant.quota['requests.nvidia.com/gpu'] ?? '0') >= gpus) {
        exercised?.add(`${out.site}/${tenant.name}: inference`);
        const restricted = podSecurityViolations('restricted', pod);
        if (restricted.length) problems.push(`${who}: the model server breaks Pod Security restricted: ${restricted.join('; ')}`);
        const refused = admissionDenials(out, tenant, pod);
        if (refused.length) problems.push(`${who}: the model server is refused: ${refused.join('; ')}`);
        const queued = admission(out, {
          name: `Pod/${tenant.name}/llm`,
          namespace: tenant.name,
          queue: pod.metadata.labels['kueue.x-k8s.io/queue-name'],
          count: 1,
          pod: pod.spec,
          labels: pod.metadata.labels,
          annotations: {},
        });
        if (queued) problems.push(`${who}: Kueue never admits its model server: ${queued}`);
        const pool = nodes.find((n) => n.pool === pod.spec.nodeSelector['ai-factory.eu/pool']);
        if (!pool || !tolerates(pod.spec.tolerations, pool.taints))
          problems.push(`${who}: the model server cannot land on the serving pool`);
        if (!roleAllows(tenant, 'serving.kserve.io', 'inferenceservices', 'create'))
          problems.push(`${who}: its members cannot create InferenceServices`);
        const port = pod.spec.containers[0].ports[0].containerPort;
        const proxies = gatewayProxyNamespace(out);
        if (!proxies || !ingressAllowed(tenant, pod.metadata.labels, proxies, port))
          problems.push(`${who}: the inference gateway cannot reach its model server on port ${port}`);
        const allowed = gateway?.spec.listeners.every((l: Obj) => selects(l.allowedRoutes.namespaces.selector, tenant.labels));
        if (!allowed) problems.push(`${who}: the inference Gateway does not accept its routes`);
        if (ingressAllowed(tenant, pod.metadata.labels, 'some-other-namespace', port))
          problems.push(`${who}: its model server is reachable from any namespace`);
      }
    }

    // A bucket of the object tier, within its share, and a way to reach the gateway.
    if (objectStore) {
      // The tenant's limits, as its bucket binding's parameter names them (the class and its largest bucket).
      const paramRef = admissionPolicies(out).bindings.find(
        (b) => (b.spec as Obj).paramRef && selects(b.spec.matchResources?.namespaceSelector ?? {}, tenant.labels),
      )?.spec as Obj | undefined;
      const limits = (paramRef && configMap(out, paramRef.paramRef.namespace, paramRef.paramRef.name)) ?? {
        storageClass: 'object',
        maxBucketSize: '1G',
      };
      const claim = (maxSize: string) => ({
        apiVersion: 'objectbucket.io/v1alpha1',
        kind: 'ObjectBucketClaim',
        metadata: { name: 'data', namespace: tenant.name },
        spec: { generateBucketName: 'data', storageClassName: limits.storageClass, additionalConfig: { maxSize } },
      });
      exercised?.add(`${out.site}/${tenant.name}: bucket`);
      const refused = admissionDenials(out, tenant, claim(limits.maxBucketSize));
      if (refused.length) problems.push(`${who}: its bucket claim is refused: ${refused.join('; ')}`);
      const oversized = `${quantity(limits.maxBucketSize.replace(/G$/, '')) * 2}G`;
      if (admissionDenials(out, tenant, claim(oversized)).length === 0)
        problems.push(`${who}: a bucket of ${oversized} (over its share) is admitted`);
      if (!roleAllows(tenant, 'objectbucket.io', 'objectbucketclaims', 'create')) problems.push(`${who}: its members cannot claim buckets`);
      if (!('count/objectbucketclaims.objectbucket.io' in tenant.quota)) problems.push(`${who}: no quota on the number of buckets`);
      if (!egressAllowed(tenant, { app: 'rook-ceph-rgw', rook_object_store: storeName(out) }, rgwNamespace(out), 8080))
        problems.push(`${who}: its pods cannot reach the object gateway`);
    }
  }
  return problems;
}

/** A pool's GPUs per node and whether they are whole now, as its inventory check expects them. */
function poolFacts(out: SiteOutput, pool: string): { gpusPerNode: number; whole: boolean } {
  const job = manifestsOf(out.platform).find((m) => (m.kind === 'Job' || m.kind === 'CronJob') && m.metadata.name === `inventory-${pool}`);
  const spec = job ? (job.kind === 'CronJob' ? job.spec.jobTemplate.spec : job.spec) : undefined;
  const env: Obj[] = spec?.template.spec.containers[0].env ?? [];
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  return { gpusPerNode: Number(value('EXPECTED_GPUS') ?? 0), whole: value('WHOLE_GPUS') === 'true' };
}

/** Pools the rails' address pools serve (the nv-ipam IPPools' node selector). */
function railPoolNames(out: SiteOutput): string[] {
  const pool = manifestsOf(out.platform).find((m) => m.kind === 'IPPool');
  return pool?.spec.nodeSelector.nodeSelectorTerms[0].matchExpressions[0].values ?? [];
}

function gatewayProxyNamespace(out: SiteOutput): string | undefined {
  return resourcesOf(out.foundation, 'helm_release').find(([, r]) => r.chart === 'gateway-helm')?.[1].namespace;
}

function storeName(out: SiteOutput): string {
  return manifestsOf(out.platform).find((m) => m.kind === 'CephObjectStore')?.metadata.name ?? '';
}

function rgwNamespace(out: SiteOutput): string {
  return manifestsOf(out.platform).find((m) => m.kind === 'CephObjectStore')?.metadata.namespace ?? '';
}
