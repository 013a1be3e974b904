import { Construct } from 'constructs';
import { CustomResource } from '../custom-resource';

export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold. @default - fires at once */
  readonly for?: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface RuleGroup {
  readonly name: string;
  /** Evaluation interval. @default - Prometheus' global interval */
  readonly interval?: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

export interface PrometheusRuleSetProps {
  readonly siteId: string;
  readonly name: string;
  /** Namespace of the monitoring stack. */
  readonly namespace: string;
  readonly groups: readonly RuleGroup[];
}

/**
 * A PrometheusRule resource from typed alerting and recording rules.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule
 */
export class PrometheusRuleSet extends Construct {
  readonly resource: CustomResource;
  readonly groups: readonly RuleGroup[];

  constructor(scope: Construct, id: string, props: PrometheusRuleSetProps) {
    super(scope, id);
    this.groups = props.groups;
    this.resource = new CustomResource(this, 'rule', {
      siteId: props.siteId,
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: props.name, namespace: props.namespace },
      spec: { groups: props.groups.map(toWire) },
    });
  }
}

function toWire(group: RuleGroup): Record<string, unknown> {
  return {
    name: group.name,
    ...(group.interval ? { interval: group.interval } : {}),
    rules: group.rules.map((rule) =>
      'alert' in rule
        ? {
            alert: rule.alert,
            expr: rule.expr,
            ...(rule.for ? { for: rule.for } : {}),
            labels: { severity: rule.severity },
            annotations: { summary: rule.summary, description: rule.description },
          }
        : { record: rule.record, expr: rule.expr },
    ),
  };
}
