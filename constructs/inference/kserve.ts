import { Construct } from 'constructs';
import { type ChartPin, inferenceDomain, type Site } from '../../config';
import { INFERENCE_GATEWAY, INFERENCE_GATEWAY_CLASS } from './gateway';
import { OperatorRelease } from '../operator-release';

export interface KServeProps {
  readonly site: Site;
  /** The pinned kserve-crd chart. */
  readonly crdChart: ChartPin;
  /** The pinned kserve-resources chart. */
  readonly chart: ChartPin;
}

/** What the storage initializer runs as: Pod Security restricted, so it is admitted in tenant namespaces. */
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  privileged: false,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * KServe in Standard mode (plain Deployments, no Knative), for sites that serve models; each
 * InferenceService gets an HTTPRoute on the site's inference Gateway (Gateway API), at
 * `https://<name>.<namespace>.<domain>`.
 * @see https://kserve.github.io/website/docs/admin-guide/kubernetes-deployment
 */
export class KServe extends Construct {
  readonly crds: OperatorRelease;
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: KServeProps) {
    super(scope, id);
    this.crds = new OperatorRelease(this, 'crds', { siteId: props.site.id, pin: props.crdChart });
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      namespace: this.crds.namespace,
      dependsOn: [this.crds.release],
      values: {
        kserve: {
          controller: {
            deploymentMode: 'Standard',
            gateway: {
              domain: inferenceDomain(props.site),
              // One subdomain per tenant: `<service>.<tenant>.<domain>` can never collide across
              // namespaces (names have no dots), unlike KServe's default `<service>-<namespace>`.
              domainTemplate: '{{ .Name }}.{{ .Namespace }}.{{ .IngressDomain }}',
              urlScheme: 'https',
              ingressGateway: {
                enableGatewayApi: true,
                kserveGateway: `${this.crds.namespace.name}/${INFERENCE_GATEWAY}`,
                // The platform stack creates the Gateway, with its TLS listener.
                createGateway: false,
                className: INFERENCE_GATEWAY_CLASS,
              },
            },
          },
          // Downloads model weights (s3://, hf://) into the pod before the server starts.
          storage: { containerSecurityContext: RESTRICTED_CONTAINER },
        },
      },
    });
  }
}
