import { Construct } from 'constructs';
import { type ChartPin, inferenceDomain, type Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { TENANT_LABEL } from '../contract';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';

/** GatewayClass of the site's inference ingress, served by Envoy Gateway. */
export const INFERENCE_GATEWAY_CLASS = 'factory-inference';
/** The Gateway KServe attaches every InferenceService's HTTPRoute to (KServe's default name). */
export const INFERENCE_GATEWAY = 'kserve-ingress-gateway';
/** Envoy Gateway's controller name, which its GatewayClass must carry. */
const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
/** Listener port of the HTTPS endpoints. */
export const INFERENCE_HTTPS_PORT = 443;

/** Where Envoy Gateway runs the Envoy proxies (its controller-namespace mode): the release's namespace. */
export function gatewayProxyNamespace(chart: ChartPin): string {
  return chart.namespace;
}

export interface GatewayControllerProps {
  readonly siteId: string;
  /** The pinned Envoy Gateway chart (it installs the Gateway API CRDs with its own). */
  readonly chart: ChartPin;
}

/**
 * Envoy Gateway, the Gateway API implementation in front of the model endpoints. Its Envoy
 * proxies run in its own namespace (the controller-namespace deployment mode), which is where the
 * tenants' network policies admit ingress from.
 * @see https://gateway.envoyproxy.io/docs/install/install-helm/
 */
export class GatewayController extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: GatewayControllerProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.siteId,
      pin: props.chart,
      podSecurity: PodSecurityLevel.BASELINE,
      podSecurityReason:
        'the Envoy proxies Envoy Gateway creates set no seccomp profile unless an EnvoyProxy resource adds one; baseline admits them',
    });
  }
}

export interface InferenceGatewayProps {
  readonly site: Site;
  /** Namespace of the Gateway: KServe's own. */
  readonly namespace: string;
}

/**
 * The site's inference ingress: a GatewayClass for Envoy Gateway and one Gateway that terminates
 * HTTPS for every `<service>.<tenant>.<domain>` (a Gateway API wildcard spans dots) with the
 * certificate in the configured Secret (SANs `*.<tenant>.<domain>`, made by cert-manager or by
 * ops, never by config) and takes routes only from tenant namespaces. KServe writes an
 * HTTPRoute per InferenceService, in the tenant's namespace, onto this Gateway.
 * @see https://kserve.github.io/website/docs/admin-guide/gatewayapi-migration
 */
export class InferenceGateway extends Construct {
  readonly gatewayClass: CustomResource;
  readonly gateway: CustomResource;

  constructor(scope: Construct, id: string, props: InferenceGatewayProps) {
    super(scope, id);
    const { site } = props;
    const inference = site.services.inference;
    if (!inference) throw new Error(`${site.id}: an inference gateway needs services.inference`);
    this.gatewayClass = new CustomResource(this, 'gateway-class', {
      siteId: site.id,
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: INFERENCE_GATEWAY_CLASS },
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
    });
    this.gateway = new CustomResource(this, 'gateway', {
      siteId: site.id,
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: INFERENCE_GATEWAY, namespace: props.namespace },
      spec: {
        gatewayClassName: INFERENCE_GATEWAY_CLASS,
        listeners: [
          {
            name: 'https',
            hostname: `*.${inferenceDomain(site)}`,
            port: INFERENCE_HTTPS_PORT,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: inference.tlsSecret }] },
            allowedRoutes: {
              kinds: [{ kind: 'HTTPRoute' }],
              namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] } },
            },
          },
        ],
      },
    });
  }
}
