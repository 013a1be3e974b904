/**
 * Rule of the monitoring stack: every metric a rule reads exists. DCGM fields must be in the
 * exporter's counters list (the GPU Operator's `dcgmExporter.config`, which replaces the
 * exporter's defaults); the node and namespace labels read from kube-state-metrics must be in its
 * `metricLabelsAllowlist` (it exports no object label otherwise).
 */
import { manifestsOf, releases, type SiteOutput } from './output';

/** The `label_<name>` of kube-state-metrics for a Kubernetes label key. */
const kubeStateLabel = (key: string) => `label_${key.replace(/[^a-zA-Z0-9]/g, '_')}`;

export function metricProblems(out: SiteOutput): string[] {
  const problems: string[] = [];
  const byChart = Object.fromEntries(releases(out).map((r) => [r.chart, r.values]));
  const csv: string = byChart['gpu-operator']?.dcgmExporter?.config?.data ?? '';
  const counters = new Set(
    csv
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .map((l) => l.split(',')[0].trim()),
  );
  const allowlist: string[] = byChart['kube-prometheus-stack']?.['kube-state-metrics']?.metricLabelsAllowlist ?? [];
  const allowed = (resource: string) =>
    allowlist
      .filter((entry) => entry.startsWith(`${resource}=[`))
      .flatMap((entry) => entry.slice(resource.length + 2, -1).split(','))
      .map((key) => kubeStateLabel(key.trim()));
  const nodeLabels = new Set(allowed('nodes'));
  const namespaceLabels = new Set(allowed('namespaces'));

  for (const rule of manifestsOf(out.platform).filter((m) => m.kind === 'PrometheusRule')) {
    for (const r of rule.spec.groups.flatMap((g: { rules: { alert?: string; record?: string; expr: string }[] }) => g.rules)) {
      const name = r.alert ?? r.record;
      for (const field of new Set<string>(r.expr.match(/\bDCGM_FI_[A-Z0-9_]+\b/g) ?? [])) {
        if (!counters.has(field))
          problems.push(`${out.site}: rule ${name} reads ${field}, which the DCGM exporter is not configured to export`);
      }
      for (const [, metric, labels] of r.expr.matchAll(/\b(kube_node_labels|kube_namespace_labels)\{([^}]*)\}/g)) {
        const known = metric === 'kube_node_labels' ? nodeLabels : namespaceLabels;
        for (const [, label] of labels.matchAll(/\b(label_\w+)\s*[=!]/g)) {
          if (!known.has(label)) {
            problems.push(
              `${out.site}: rule ${name} reads ${label} of ${metric}, which kube-state-metrics' metricLabelsAllowlist does not export`,
            );
          }
        }
      }
    }
  }
  return problems;
}
