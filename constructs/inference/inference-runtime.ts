import { Construct } from 'constructs';
import type { Fleet, NodePool, Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { NODE_LABELS, poolToleration } from '../contract';

export const VLLM_RUNTIME = 'vllm';
const VLLM_PORT = 8080;

export interface InferenceRuntimeProps {
  readonly site: Site;
  readonly images: Fleet['images'];
  /** The pool that serves models. */
  readonly pool: NodePool;
}

/**
 * A KServe ClusterServingRuntime for vLLM, pinned to the serving pool (its label and taint), so an
 * InferenceService in any tenant namespace with `runtime: vllm` lands on the inference GPUs.
 * @see https://kserve.github.io/website/docs/model-serving/generative-inference/overview
 */
export class InferenceRuntime extends Construct {
  readonly runtime: CustomResource;

  constructor(scope: Construct, id: string, props: InferenceRuntimeProps) {
    super(scope, id);
    const { pool } = props;
    this.runtime = new CustomResource(this, 'runtime', {
      siteId: props.site.id,
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ClusterServingRuntime',
      metadata: { name: VLLM_RUNTIME },
      spec: {
        supportedModelFormats: [{ name: 'huggingface', version: '1', autoSelect: true, priority: 1 }],
        protocolVersions: ['v1', 'v2'],
        nodeSelector: { [NODE_LABELS.pool]: pool.name },
        tolerations: [poolToleration(pool.name)],
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
            ports: [{ containerPort: VLLM_PORT, protocol: 'TCP' }],
            resources: {
              requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': String(pool.gpusPerNode) },
              limits: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': String(pool.gpusPerNode) },
            },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000 },
          },
        ],
      },
    });
  }
}
