import type { Construct } from 'constructs';
import { Aspects } from 'cdktf/lib/aspect';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import type { Fleet, Site } from '../config';
import { ACCEPTANCE_NAMESPACE } from '../constructs/acceptance/acceptance-checks';
import { PolicyAspect, fleetPolicies } from '../constructs/policies';
import { SiteProviders } from '../constructs/site-providers';
import { configureStateBackend } from '../constructs/state-backend';

/** The layers of a site, in deploy order. Their names end every stack id. */
export const LAYERS = ['foundation', 'platform', 'tenants'] as const;
export type Layer = (typeof LAYERS)[number];

export interface SiteStackProps {
  readonly fleet: Fleet;
  readonly site: Site;
}

/** `<site>-<layer>`: the stack id ops type into `cdktf deploy`. */
export function stackId(site: Pick<Site, 'id'>, layer: Layer): string {
  return `${site.id}-${layer}`;
}

/** A site's stack ids in deploy order: tenants only in Phase 2. */
export function siteStackIds(site: Pick<Site, 'id' | 'phase'>): string[] {
  return LAYERS.filter((layer) => layer !== 'tenants' || site.phase === 2).map((layer) => stackId(site, layer));
}

/**
 * The documented Pod Security exceptions: operators that load kernel modules or reach host
 * devices (NFD, GPU Operator, Network Operator, Rook, node-exporter), and the acceptance checks.
 * Each namespace also records its reason in an annotation.
 */
export function privilegedNamespaces(fleet: Fleet): Set<string> {
  const { charts } = fleet;
  return new Set([
    charts.nodeFeatureDiscovery.namespace,
    charts.gpuOperator.namespace,
    charts.networkOperator.namespace,
    charts.rookCeph.namespace,
    charts.kubePrometheusStack.namespace,
    ACCEPTANCE_NAMESPACE,
  ]);
}

/** A stack of one site's layer: its own state, and providers pointed at the site's cluster. */
export abstract class SiteStack extends TerraformStack {
  readonly site: Site;
  readonly providers: SiteProviders;

  protected constructor(scope: Construct, layer: Layer, props: SiteStackProps) {
    const id = stackId(props.site, layer);
    super(scope, id);
    this.site = props.site;
    configureStateBackend(this, id, props.fleet.backend);
    this.providers = new SiteProviders(this, 'providers', { kubeContext: props.site.cluster.kubeContext });
    Aspects.of(this).add(new PolicyAspect(fleetPolicies(privilegedNamespaces(props.fleet))));
  }
}
