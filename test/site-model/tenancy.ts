/**
 * Rules of tenant isolation, as the API server, Pod Security admission, the ValidatingAdmissionPolicies,
 * RBAC, network policies and Kueue would apply them to what a tenant submits. Each tenant must be
 * refused what would reach beyond its grant (GPUs outside requests, reserved priorities, capabilities
 * beyond IPC_LOCK, another namespace's networks) and granted what the sites exist for (a multi-node
 * RDMA job through its queue, a model served on the inference pool, a bucket).
 */
import { admission, podRequests, quantity } from './kueue';
import { manifestsOf, type Obj, poolNodes, resourcesOf, selects, type SiteOutput, tolerates } from './output';
import {
  admissionDenials,
  admissionPolicies,
  configMap,
  egressAllowed,
  first,
  ingressAllowed,
  roleAllows,
  type TenantView,
  tenantViews,
} from './tenant-view';
import { forbiddenProbes, podOf, rdmaJob, servingPod } from './tenant-workloads';
import { podSecurityViolations } from '../admission/pod-security';

export { admissionDenials, configMap, roleAllows, type TenantView, tenantGuard, tenantViews } from './tenant-view';
export { forbiddenProbes, rdmaJob, servingPod } from './tenant-workloads';

const AUDIT = 'pod-security.kubernetes.io/audit';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';

/** Quota needed for `count` pods of `pod` within the tenant's ResourceQuota; undefined when it fits. */
function quotaShortfall(tenant: TenantView, pod: Obj, count: number): string | undefined {
  for (const [resource, perPod] of Object.entries(podRequests(pod))) {
    const limit = tenant.quota[`requests.${resource}`];
    if (limit === undefined) continue;
    if (perPod * count > quantity(limit)) return `${resource}: ${count} x ${perPod} > quota ${limit}`;
  }
  return undefined;
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
