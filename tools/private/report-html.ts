/**
 * The fleet report page: one self-contained HTML file (inline CSS and SVG, no script, no fetch;
 * its Content-Security-Policy forbids loading anything), so it opens from disk anywhere. Each
 * chart stands beside a table with the same numbers.
 */
import { PROGRAMMES, type Programme } from '../../config/schema';
import { barChart, timeline } from './report-charts';
import { ANNOUNCED_PFLOPS, MILESTONES, type FleetFigures, type SiteFigures } from './report-data';
import { html, type Markup } from './report-markup';
import { capacitySection, energySection, storageNetworkSection } from './report-capacity';
import { num, pflops, mw, percent, PHASE_SERIES, PROGRAMME_COLORS, PROGRAMME_NAMES, versus, table, figure } from './report-format';

function summary(f: FleetFigures): Markup {
  const t = f.totals;
  const tiles: [string, string, string][] = [
    ['Sites', num(t.sites), f.sites.map((s) => s.city).join(', ')],
    ['GPUs', num(t.gpus), f.gpuModels.map((id) => `${num(t.gpusByModel[id] ?? 0)} ${id}`).join(', ')],
    [
      'PFLOP/s BF16 (dense)',
      pflops(t.pflops.bf16),
      `FP8 ${pflops(t.pflops.fp8)}, FP64 ${pflops(t.pflops.fp64)}; announced: "several hundred petaflops" (${ANNOUNCED_PFLOPS}+)`,
    ],
    ['Facility power, MW', mw(t.facilityMW), `IT ${mw(t.itMW)} MW at full load; budget ${mw(t.budgetMW)} MW`],
    ['t CO2e / year', num(t.tCO2ePerYear), `at full load all year: ${num(t.facilityMWhPerYear)} MWh`],
  ];
  return html`<dl class="tiles">${tiles.map(([name, value, note]) => html`<div><dt>${name}</dt><dd><span class="big">${value}</span><span class="note">${note}</span></dd></div>`)}</dl>`;
}

function sitesTable(f: FleetFigures): Markup {
  return table(
    'Sites',
    ['Site', 'City', 'Country', 'Operator', 'Focus', 'Current phase', 'Phase 1 sign-off'],
    f.sites.map((s) => [
      s.id,
      s.city,
      s.country,
      s.operator,
      s.focus.join(', '),
      `Phase ${s.phase}`,
      s.signOff ? html`${s.signOff.date} (<a href="${s.signOff.report}" rel="noreferrer">results</a>)` : 'not signed off',
    ]),
  );
}

function timelineSection(f: FleetFigures): Markup {
  const [q1, q3] = MILESTONES;
  const description = f.sites
    .map(
      (s) =>
        `${s.id} (${s.city}): Phase 1 ${s.schedule.phase1.start} to ${s.schedule.phase1.end}, Phase 2 ${s.schedule.phase2.start} to ${s.schedule.phase2.end}; current phase ${s.phase}; ${s.signOff ? `Phase 1 signed off ${s.signOff.date}` : 'Phase 1 not signed off'}.`,
    )
    .join(' ');
  const chart = timeline({
    id: 'timeline',
    width: 1180,
    title: "Phase timeline against the mission's milestones",
    description: `Mission milestones ${MILESTONES.map((m) => `${m.name} (${m.start} to ${m.end})`).join(' and ')}. ${description}`,
    series: PHASE_SERIES,
    emphasisLabel: 'current phase (outlined)',
    markerLabel: 'Phase 1 sign-off',
    windows: MILESTONES.map((m) => ({ start: m.start, end: m.end, label: `Mission milestone ${m.name}` })),
    rows: f.sites.map((s) => ({
      label: `${s.id} · ${s.city}`,
      sublabel: `Phase ${s.phase}${s.signOff ? ` · signed off ${s.signOff.date}` : ' · not signed off'}`,
      bars: (['phase1', 'phase2'] as const).map((phase, i) => ({
        ...s.schedule[phase],
        series: i,
        text: `Phase ${i + 1}`,
        title: `${s.id} Phase ${i + 1}: ${s.schedule[phase].start} to ${s.schedule[phase].end}${s.phase === i + 1 ? ' (current phase)' : ''}`,
        emphasis: s.phase === i + 1,
      })),
      ...(s.signOff ? { marker: { date: s.signOff.date, title: `${s.id}: Phase 1 signed off ${s.signOff.date}` } } : {}),
    })),
  });
  const numbers = table(
    'Schedule, current phase and sign-off',
    ['Site', 'Phase 1', `vs ${q1.name}`, 'Phase 2', `vs ${q3.name}`, 'Current', 'Sign-off'],
    f.sites.map((s) => [
      s.id,
      `${s.schedule.phase1.start} – ${s.schedule.phase1.end}`,
      `ends ${versus(s.schedule.phase1.end, q1)}`,
      `${s.schedule.phase2.start} – ${s.schedule.phase2.end}`,
      `starts ${versus(s.schedule.phase2.start, q3)}`,
      `Phase ${s.phase}`,
      s.signOff?.date ?? '—',
    ]),
  );
  return html`<section id="timeline-section"><h2>Phase timeline</h2><p>Each site's Phase 1 (equipment reception, racks, network link validation) and Phase 2 (production), against the mission's milestones ${q1.name} and ${q3.name}, read as the quarters ${q1.start} – ${q1.end} and ${q3.start} – ${q3.end}.</p>${figure(
    chart,
    "Gantt chart: a bar per phase and site; the current phase is solid and outlined; a diamond marks the Phase 1 sign-off; shaded bands are the mission's milestones.",
    numbers,
    true,
  )}</section>`;
}

function sharesSection(f: FleetFigures): Markup {
  const t = f.totals;
  const programmeSeries = PROGRAMMES.map((p) => ({ label: PROGRAMME_NAMES[p], color: PROGRAMME_COLORS[p] }));
  const subsidised = (s: SiteFigures, p: Programme) => (s.programmes[p].subsidised ? ' (subsidised)' : '');
  const programmeChart = barChart({
    id: 'programmes',
    title: 'GPU quotas per access programme',
    description: f.sites
      .map(
        (s) =>
          `${s.id}: ${PROGRAMMES.map((p) => `${PROGRAMME_NAMES[p]} ${num(s.programmes[p].gpus)}${subsidised(s, p)}`).join(', ')} GPUs.`,
      )
      .join(' '),
    axisLabel: 'GPUs guaranteed',
    series: programmeSeries,
    layout: 'stacked',
    format: (v) => num(v),
    hatchLabel: 'subsidised',
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: PROGRAMMES.map((p, i) => ({
        value: s.programmes[p].gpus,
        series: i,
        title: `${s.id} ${PROGRAMME_NAMES[p]}: ${num(s.programmes[p].gpus)} GPUs${subsidised(s, p)}`,
        text: num(s.programmes[p].gpus),
        hatched: s.programmes[p].subsidised,
      })),
    })),
  });
  const programmeTable = table(
    'GPU quotas per programme (share of the site)',
    ['Site', ...PROGRAMMES.map((p) => PROGRAMME_NAMES[p]), 'Subsidised'],
    [
      ...f.sites.map((s) => {
        const total = PROGRAMMES.reduce((sum, p) => sum + s.programmes[p].gpus, 0);
        return [
          s.id,
          ...PROGRAMMES.map((p) => `${num(s.programmes[p].gpus)} (${percent(total ? s.programmes[p].gpus / total : 0)})`),
          PROGRAMMES.filter((p) => s.programmes[p].subsidised)
            .map((p) => PROGRAMME_NAMES[p])
            .join(', ') || 'none',
        ];
      }),
      ['Fleet', ...PROGRAMMES.map((p) => num(t.programmeGpus[p])), ''],
    ],
    [1, 2, 3],
  );
  const tenantChart = barChart({
    id: 'tenants',
    title: 'Tenant GPU quotas, by programme',
    description: f.sites
      .map(
        (s) =>
          `${s.id}: ${s.tenants.length ? s.tenants.map((tn) => `${tn.name} (${PROGRAMME_NAMES[tn.programme]}) ${num(tn.gpus)}`).join(', ') : 'no tenants yet'}.`,
      )
      .join(' '),
    axisLabel: 'GPUs per tenant (one segment each)',
    series: programmeSeries,
    layout: 'stacked',
    format: (v) => num(v),
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: s.tenants.map((tn) => ({
        value: tn.gpus,
        series: PROGRAMMES.indexOf(tn.programme),
        title: `${s.id} ${tn.name} (${PROGRAMME_NAMES[tn.programme]}): ${num(tn.gpus)} GPUs`,
        text: tn.name,
      })),
    })),
  });
  const tenantTable = table(
    'Tenants',
    ['Site', 'Tenant', 'Programme', 'GPUs', 'Of programme'],
    f.sites.flatMap((s) =>
      s.tenants.map((tn) => [
        s.id,
        tn.name,
        PROGRAMME_NAMES[tn.programme],
        num(tn.gpus),
        s.programmes[tn.programme].gpus ? percent(tn.gpus / s.programmes[tn.programme].gpus) : '—',
      ]),
    ),
    [3, 4],
  );
  return html`<section id="shares"><h2>Programmes and tenants</h2><p>GPUs each access programme is guaranteed (its Kueue nominal quota), and each tenant's quota within its programme. Fleet: ${PROGRAMMES.map(
    (p) => `${PROGRAMME_NAMES[p]} ${num(t.programmeGpus[p])} GPUs (tenants ${num(t.tenantGpus[p])})`,
  ).join(
    ', ',
  )}.</p>${figure(programmeChart, 'Programme quotas of each site, stacked; hatched programmes are subsidised.', programmeTable)}${figure(
    tenantChart,
    "Each tenant's GPU quota, coloured by its programme.",
    tenantTable,
  )}</section>`;
}

function acceptanceSection(f: FleetFigures): Markup {
  return html`<section id="acceptance"><h2>Acceptance thresholds</h2><p>What Phase 1 acceptance requires at each site (fleet values unless the site sets its own).</p>${table(
    'Phase 1 acceptance thresholds',
    [
      'Site',
      'NCCL bus bandwidth GB/s',
      'RDMA per link Gb/s',
      'Storage read GB/s',
      'WAN share of capacity',
      'DCGM level',
      'GPU performance margin',
    ],
    f.sites.map((s) => [
      s.id,
      num(s.acceptance.ncclBusBwGBps),
      num(s.acceptance.rdmaLinkGbps),
      num(s.acceptance.storageReadGBps),
      percent(s.acceptance.wanUplinkFraction),
      num(s.acceptance.dcgmDiagLevel),
      percent(s.acceptance.gpuPerformanceMargin),
    ]),
    [1, 2, 3, 4, 5, 6],
  )}</section>`;
}

/** The page's style sheet: literal markup, so its quotes are kept. */
const STYLE = html`
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; color: var(--ink); background: #ffffff; }
main { max-width: 1480px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 6px; padding-top: 12px; border-top: 1px solid var(--line); }
p { margin: 4px 0 12px; max-width: 110ch; }
.lede { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 18px 0; }
.tiles div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.tiles dt { color: var(--muted); font-size: 13px; }
.tiles dd { margin: 0; }
.big { display: block; font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
.note { display: block; color: var(--muted); font-size: 12px; }
.pair { display: grid; grid-template-columns: minmax(0, 780px) minmax(0, 1fr); gap: 20px; align-items: start; margin: 14px 0 22px; }
.pair.wide { grid-template-columns: minmax(0, 1fr); }
@media (max-width: 1100px) { .pair { grid-template-columns: 1fr; } }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; margin: 4px 0 12px; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; }
th[scope="row"], .nowrap { white-space: nowrap; }
.num { text-align: right; }
a { color: #0550ae; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 10px; }
`;

/** The report page for a fleet's figures. */
export function reportHtml(f: FleetFigures): string {
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>Fleet report: ${f.name}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header><h1>Fleet report: ${f.name}</h1><p class="lede">${num(f.totals.sites)} sites (${f.sites.map((s) => `${s.id}, ${s.city}`).join('; ')}), from the fleet config at full load. GPU figures are dense datasheet values.</p></header>
${summary(f)}
${sitesTable(f)}
${timelineSection(f)}
${capacitySection(f)}
${energySection(f)}
${storageNetworkSection(f)}
${sharesSection(f)}
${acceptanceSection(f)}
<footer>Generated by <code>npm run report</code> from the fleet config and the hardware catalogue (<code>config/catalogue.ts</code>, per-GPU vendor datasheet figures). Milestones are the mission's, read as calendar quarters. Power and carbon are full-load estimates, not measurements.</footer>
</main>
</body>
</html>
`;
  return page.text;
}
