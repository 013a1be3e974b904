import { Construct } from 'constructs';
import type { Fleet, NodePool, Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { KUEUE, NODE_LABELS, poolToleration } from '../contract';

export const VLLM_RUNTIME = 'vllm';
export const VLLM_PORT = 8080;
/** Non-root user the server runs as; its HOME and caches are an emptyDir, since the image's are not writable. */
const SERVER_UID = 1000;
const CACHE_DIR = '/home/vllm';

export interface InferenceRuntimeProps {
  readonly site: Site;
  readonly images: Fleet['images'];
  /** The pool that serves models. */
  readonly pool: NodePool;
}

/**
 * A KServe ClusterServingRuntime for vLLM, pinned to the serving pool (its label and taint), so an
 * InferenceService in any tenant namespace with `runtime: vllm` lands on the inference GPUs. The
 * server passes Pod Security restricted (non-root, no privilege escalation, no capabilities,
 * RuntimeDefault seccomp), writes its caches to an emptyDir HOME, and gets an in-memory /dev/shm of
 * the configured size for NCCL between the GPUs of a tensor-parallel server. Kueue admits it
 * against the tenant's programme like any workload (the tenant's queue is the namespace default).
 * Model weights come from `storageUri`: `pvc://<claim>/<path>` (a datasets-tier claim of the
 * tenant) or `s3://<bucket>/<path>` (an object-tier bucket), read by KServe.
 * @see https://kserve.github.io/website/docs/model-serving/generative-inference/overview
 */
export class InferenceRuntime extends Construct {
  readonly runtime: CustomResource;

  constructor(scope: Construct, id: string, props: InferenceRuntimeProps) {
    super(scope, id);
    const { pool, site } = props;
    const shmGiB = site.services.inference?.shmGiB ?? 16;
    this.runtime = new CustomResource(this, 'runtime', {
      siteId: site.id,
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ClusterServingRuntime',
      metadata: { name: VLLM_RUNTIME },
      spec: {
        supportedModelFormats: [{ name: 'huggingface', version: '1', autoSelect: true, priority: 1 }],
        protocolVersions: ['v1', 'v2'],
        // On the server pods. The Deployment KServe creates gets the same queue from Kueue's
        // LocalQueueDefaulting (the tenant's LocalQueue is named `default`), so Kueue admits the
        // server against the tenant's programme.
        labels: { [KUEUE.queueNameLabel]: KUEUE.tenantQueue },
        nodeSelector: { [NODE_LABELS.pool]: pool.name },
        tolerations: [poolToleration(pool.name)],
        volumes: [
          { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: `${shmGiB}Gi` } },
          { name: 'home', emptyDir: {} },
        ],
        containers: [
          {
            name: 'kserve-container',
            image: props.images.vllm,
            args: [
              '--port',
              String(VLLM_PORT),
              '--model',
              '/mnt/models',
              '--served-model-name',
              '{{.Name}}',
              '--tensor-parallel-size',
              String(pool.gpusPerNode),
            ],
            env: [
              // The image has no passwd entry for SERVER_UID: getpass (torch's compile caches) reads these first.
              { name: 'USER', value: 'vllm' },
              { name: 'LOGNAME', value: 'vllm' },
              { name: 'HOME', value: CACHE_DIR },
              { name: 'TORCHINDUCTOR_CACHE_DIR', value: `${CACHE_DIR}/.cache/torchinductor` },
              { name: 'TRITON_CACHE_DIR', value: `${CACHE_DIR}/.cache/triton` },
              { name: 'HF_HOME', value: `${CACHE_DIR}/.cache/huggingface` },
              { name: 'VLLM_CACHE_ROOT', value: `${CACHE_DIR}/.cache/vllm` },
              { name: 'XDG_CACHE_HOME', value: `${CACHE_DIR}/.cache` },
            ],
            ports: [{ containerPort: VLLM_PORT, protocol: 'TCP' }],
            resources: {
              requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': String(pool.gpusPerNode) },
              limits: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': String(pool.gpusPerNode) },
            },
            volumeMounts: [
              { name: 'dshm', mountPath: '/dev/shm' },
              { name: 'home', mountPath: CACHE_DIR },
            ],
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              runAsNonRoot: true,
              runAsUser: SERVER_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
        ],
      },
    });
  }
}
