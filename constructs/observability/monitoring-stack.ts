import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';

/** Days of metrics Prometheus keeps on the cluster; energy reports read monthly windows. */
const RETENTION_DAYS = 45;

export interface MonitoringStackProps {
  readonly site: Site;
  /** The pinned kube-prometheus-stack chart. */
  readonly chart: ChartPin;
}

/**
 * kube-prometheus-stack: Prometheus, Alertmanager and Grafana; scrapes DCGM for GPU health and
 * energy. Rules live in the platform stack.
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export class MonitoringStack extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'node-exporter needs hostNetwork, hostPID and host filesystem mounts',
      values: {
        // Tenant namespaces' programme label, for the per-programme accounting rules.
        'kube-state-metrics': { metricLabelsAllowlist: ['namespaces=[ai-factory.eu/programme,ai-factory.eu/tenant]'] },
        prometheus: {
          prometheusSpec: {
            retention: `${RETENTION_DAYS}d`,
            externalLabels: { site: props.site.id },
            // Select every ServiceMonitor and rule, not only the chart's own.
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
          },
        },
      },
    });
  }
}
