import { Construct } from 'constructs';
import type { ChartPin, Site } from '../../config';
import { PodSecurityLevel } from '../namespace';
import { OperatorRelease } from '../operator-release';

/** Share of the volume Prometheus may fill before it drops the oldest blocks (WAL and compaction need the rest). */
const RETENTION_SIZE_SHARE = 0.85;
/** Where the Prometheus Operator mounts each Secret listed in `alertmanagerSpec.secrets`. */
const ALERTMANAGER_SECRETS = '/etc/alertmanager/secrets';

type Monitoring = Site['monitoring'];
type Receiver = Monitoring['alerting']['receivers'][number];
type SecretKey = { readonly secret: string; readonly key: string };

export interface MonitoringStackProps {
  readonly site: Site;
  /** The pinned kube-prometheus-stack chart. */
  readonly chart: ChartPin;
}

/**
 * kube-prometheus-stack: Prometheus, Alertmanager and Grafana; scrapes DCGM for GPU health and
 * energy. Rules live in the platform stack.
 *  - Prometheus keeps its data on a volume of the configured tier and size, with retention by time
 *    and by size, and writes to the configured remote stores. The volume's claim binds once the
 *    platform stack has created the storage classes (it waits Pending until then; Helm does not
 *    wait on the operator's StatefulSet).
 *  - Alertmanager's own configuration (not an AlertmanagerConfig resource, which would only match
 *    alerts from its own namespace) routes critical alerts and warnings to the configured
 *    receivers, and the always-firing Watchdog to its heartbeat receiver, so that a dead alerting
 *    path is noticed. Receiver credentials are keys of Secrets mounted into Alertmanager, read as
 *    files; they never enter config or state.
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export class MonitoringStack extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    const { prometheus, alerting } = props.site.monitoring;
    const secrets = [...new Set(alerting.receivers.flatMap(secretsOf).map((s) => s.secret))].sort();
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      podSecurity: PodSecurityLevel.PRIVILEGED,
      podSecurityReason: 'node-exporter needs hostNetwork, hostPID and host filesystem mounts',
      values: {
        // Tenant namespaces' programme label, and GPU nodes' pool, for the accounting and GPU-count rules.
        'kube-state-metrics': {
          metricLabelsAllowlist: ['namespaces=[ai-factory.eu/programme,ai-factory.eu/tenant]', 'nodes=[ai-factory.eu/pool]'],
        },
        prometheus: {
          prometheusSpec: {
            retention: `${prometheus.retentionDays}d`,
            retentionSize: `${Math.floor(prometheus.sizeGiB * RETENTION_SIZE_SHARE)}GB`,
            externalLabels: { site: props.site.id },
            storageSpec: {
              volumeClaimTemplate: {
                spec: {
                  storageClassName: prometheus.tier,
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: `${prometheus.sizeGiB}Gi` } },
                },
              },
            },
            remoteWrite: prometheus.remoteWrite.map((store) => ({
              name: store.name,
              url: store.url,
              ...(store.bearerToken
                ? { authorization: { type: 'Bearer', credentials: { name: store.bearerToken.secret, key: store.bearerToken.key } } }
                : {}),
            })),
            // Select every ServiceMonitor and rule, not only the chart's own.
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
          },
        },
        alertmanager: {
          alertmanagerSpec: { secrets },
          config: alertmanagerConfig(alerting),
        },
      },
    });
  }
}

function secretsOf(receiver: Receiver): SecretKey[] {
  return [receiver.email?.authPassword, receiver.webhook?.url, receiver.pagerduty?.routingKey].filter((s): s is SecretKey => !!s);
}

const secretFile = (s: SecretKey) => `${ALERTMANAGER_SECRETS}/${s.secret}/${s.key}`;

/**
 * One Alertmanager receiver from config; credentials as files of mounted Secrets. A heartbeat gets
 * no "resolved" message: when Prometheus dies the Watchdog resolves, which must not read as a beat.
 */
function receiverConfig(r: Receiver, heartbeat: boolean): Record<string, unknown> {
  const send_resolved = !heartbeat;
  if (r.email) {
    const { to, from, smarthost, authUsername, authPassword } = r.email;
    return {
      name: r.name,
      email_configs: [
        {
          to,
          from,
          smarthost,
          send_resolved,
          ...(authUsername ? { auth_username: authUsername } : {}),
          ...(authPassword ? { auth_password_file: secretFile(authPassword) } : {}),
        },
      ],
    };
  }
  if (r.webhook) return { name: r.name, webhook_configs: [{ url_file: secretFile(r.webhook.url), send_resolved }] };
  if (r.pagerduty) return { name: r.name, pagerduty_configs: [{ routing_key_file: secretFile(r.pagerduty.routingKey), send_resolved }] };
  throw new Error(`receiver ${r.name} has no kind`);
}

/** A route to several receivers: one child per receiver, each continuing to the next. */
function fanOut(severity: string, receivers: readonly string[]): Record<string, unknown>[] {
  return receivers.map((receiver, i) => ({
    receiver,
    matchers: [`severity = "${severity}"`],
    ...(i < receivers.length - 1 ? { continue: true } : {}),
  }));
}

/**
 * The chart's `alertmanager.config`: the chart's inhibit rules kept, the Watchdog to its
 * heartbeat (repeated about every minute so its absence is seen), critical and warning alerts to
 * their receivers, info alerts to nobody, anything else to the first receiver.
 */
export function alertmanagerConfig(alerting: Monitoring['alerting']): Record<string, unknown> {
  const names = alerting.receivers.map((r) => r.name);
  const first = names[0];
  const watchdog = alerting.watchdog ?? (names.includes('heartbeat') ? 'heartbeat' : undefined);
  const others = names.filter((n) => n !== watchdog);
  const fallback = others[0] ?? first;
  return {
    global: { resolve_timeout: '5m' },
    inhibit_rules: [
      { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
      { target_matchers: ['alertname = InfoInhibitor'] },
    ],
    route: {
      receiver: fallback,
      group_by: ['alertname', 'site', 'Hostname', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        ...(watchdog
          ? // Alertmanager resends after group_interval plus repeat_interval: about every 75 s here;
            // the heartbeat service's grace should be a few minutes.
            [{ receiver: watchdog, matchers: ['alertname = "Watchdog"'], group_wait: '0s', group_interval: '15s', repeat_interval: '1m' }]
          : [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }]),
        { receiver: 'null', matchers: ['alertname = "InfoInhibitor"'] },
        // The chart's informational alerts page nobody.
        { receiver: 'null', matchers: ['severity = "info"'] },
        ...fanOut('critical', alerting.critical ?? [fallback]),
        ...fanOut('warning', alerting.warning ?? [fallback]),
      ],
    },
    receivers: [{ name: 'null' }, ...alerting.receivers.map((r) => receiverConfig(r, r.name === watchdog))],
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
}
