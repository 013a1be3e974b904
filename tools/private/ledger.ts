/**
 * The usage ledger: monthly GPU-hours, energy and carbon per tenant and programme of a site, from
 * the accounting rules' per-minute series, as one Prometheus query and its result as CSV.
 */
import { ACCOUNTING_INTERVAL_MINUTES, LEDGER_SERIES } from '../../constructs/observability/gpu-accounting';

/** The site series whose samples say which minutes the accounting rules ran. */
const SITE_GPUS = 'site:gpus:count';
const COVERAGE = 'sampled_minutes';

/** The measures of a ledger row, in CSV column order. */
export const MEASURES = ['gpu_hours', 'energy_kwh', 'co2e_kg'] as const;
export type Measure = (typeof MEASURES)[number];

export interface LedgerPeriod {
  /** `YYYY-MM`. */
  readonly month: string;
  /** The instant the query is evaluated at: the first moment of the next month, UTC. */
  readonly end: Date;
  readonly days: number;
}

/** The calendar month `YYYY-MM` (UTC); throws with what is allowed. */
export function ledgerPeriod(month: string): LedgerPeriod {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new Error(`--month ${JSON.stringify(month)} is not a month (allowed: YYYY-MM, e.g. 2026-10)`);
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { month, end, days: Math.round((end.getTime() - start) / 86_400_000) };
}

/**
 * One instant query, evaluated at the end of the period, that integrates each per-minute series
 * over the range once (never sums of rolling windows): GPU-hours, facility kWh and kg CO2e per
 * tenant namespace and programme, each tagged with its `measure`.
 */
export function ledgerQuery(range: string): string {
  const perMinute = ACCOUNTING_INTERVAL_MINUTES / 60;
  const measure = (name: Measure, series: string, scale: number) =>
    `label_replace(sum by (namespace, programme) (sum_over_time(${series}[${range}])) * ${scale}, "measure", "${name}", "", "")`;
  return [
    // How many minutes of the period the accounting rules ran (missed evaluations undercount).
    `label_replace(count_over_time(${SITE_GPUS}[${range}]), "measure", "${COVERAGE}", "", "")`,
    measure('gpu_hours', LEDGER_SERIES.gpus, perMinute),
    // W x hours / 1000 = kWh.
    measure('energy_kwh', LEDGER_SERIES.facilityWatts, perMinute / 1000),
    // g per hour x hours / 1000 = kg.
    measure('co2e_kg', LEDGER_SERIES.carbonGramsPerHour, perMinute / 1000),
  ].join(' or ');
}

/** A Prometheus `/api/v1/query` response. */
export interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** Share of the period's minutes the accounting rules ran, from the query's coverage sample (0 when absent). */
export function ledgerCoverage(response: QueryResponse, period: LedgerPeriod): number {
  const sample = response.data?.result.find((r) => r.metric.measure === COVERAGE);
  return sample ? Number(sample.value[1]) / (period.days * 1440) : 0;
}

/** The query result as CSV rows (month, site, programme, tenant, measures), sorted by programme and tenant. */
export function ledgerCsv(response: QueryResponse, period: LedgerPeriod, site: string): string {
  if (response.status !== 'success' || !response.data) {
    throw new Error(`Prometheus answered ${response.errorType ?? 'an error'}: ${response.error ?? 'no data'}`);
  }
  if (response.data.resultType !== 'vector') throw new Error(`expected a vector result, got ${response.data.resultType}`);
  const rows = new Map<string, { programme: string; tenant: string; values: Partial<Record<Measure, number>> }>();
  for (const { metric, value } of response.data.result) {
    const measure = metric.measure as Measure;
    if (!MEASURES.includes(measure) || !metric.namespace) continue;
    const key = `${metric.programme ?? ''}/${metric.namespace}`;
    const row = rows.get(key) ?? { programme: metric.programme ?? '', tenant: metric.namespace, values: {} };
    row.values[measure] = Number(value[1]);
    rows.set(key, row);
  }
  const field = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [...rows.values()]
    .sort((a, b) => a.programme.localeCompare(b.programme) || a.tenant.localeCompare(b.tenant))
    .map((r) =>
      [period.month, site, r.programme, r.tenant, ...MEASURES.map((m) => (r.values[m] ?? 0).toFixed(m === 'gpu_hours' ? 2 : 3))]
        .map(field)
        .join(','),
    );
  return `${['month', 'site', 'programme', 'tenant', ...MEASURES].join(',')}\n${lines.map((l) => `${l}\n`).join('')}`;
}
