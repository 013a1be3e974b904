/** The report sections on capacity: compute, power and carbon, storage and the network. */
import { GPUS } from '../../config/catalogue';
import { barChart, PALETTE, type BarRow } from './report-charts';
import { ANNOUNCED_PFLOPS, HOURS_PER_YEAR, STORAGE_TIERS, type FleetFigures } from './report-data';
import { html, type Markup } from './report-markup';
import { num, pflops, mw, percent, PRECISIONS, TIER_NAMES, table, figure } from './report-format';

export function capacitySection(f: FleetFigures): Markup {
  const t = f.totals;
  const reference = `Announcement's lower bound: ${ANNOUNCED_PFLOPS} PFLOP/s ("several hundred petaflops")`;
  const fleetChart = barChart({
    id: 'fleet-pflops',
    title: 'Fleet throughput by precision against the announcement',
    description: `Fleet total, dense: ${PRECISIONS.map((p) => `${p.label} ${pflops(t.pflops[p.key])} PFLOP/s`).join(', ')}. ${reference}.`,
    axisLabel: 'PFLOP/s, dense, whole fleet',
    series: PRECISIONS.map((p) => ({ label: p.label, color: p.color })),
    layout: 'stacked',
    format: pflops,
    reference: { value: ANNOUNCED_PFLOPS, label: reference },
    rows: PRECISIONS.map((p, i) => ({
      label: p.label,
      bars: [{ value: t.pflops[p.key], series: i, title: `Fleet ${p.label}: ${pflops(t.pflops[p.key])} PFLOP/s` }],
    })),
  });
  const fleetTable = table(
    'Fleet total',
    ['Precision', 'PFLOP/s', `x ${ANNOUNCED_PFLOPS}`],
    PRECISIONS.map((p) => [p.label, pflops(t.pflops[p.key]), num(t.pflops[p.key] / ANNOUNCED_PFLOPS, 1)]),
    [1, 2],
  );

  const models = f.gpuModels;
  const modelSeries = models.map((id, i) => ({ label: id, color: PALETTE[i % PALETTE.length] }));
  const gpuChart = barChart({
    id: 'gpus',
    title: 'GPUs by model per site',
    description: f.sites
      .map(
        (s) =>
          `${s.id}: ${num(s.gpus)} GPUs (${models
            .filter((id) => s.gpusByModel[id])
            .map((id) => `${num(s.gpusByModel[id] ?? 0)} ${id}`)
            .join(', ')}).`,
      )
      .join(' '),
    axisLabel: 'GPUs',
    series: modelSeries,
    layout: 'stacked',
    format: (v) => num(v),
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: models.flatMap((id, i) => {
        const gpus = s.gpusByModel[id];
        return gpus ? [{ value: gpus, series: i, title: `${s.id}: ${num(gpus)} ${GPUS[id].name}`, text: num(gpus) }] : [];
      }),
    })),
  });
  const gpuTable = table(
    'GPUs by model',
    ['Site', ...models, 'Total'],
    [
      ...f.sites.map((s) => [s.id, ...models.map((id) => num(s.gpusByModel[id] ?? 0)), num(s.gpus)]),
      ['Fleet', ...models.map((id) => num(t.gpusByModel[id] ?? 0)), num(t.gpus)],
    ],
    models.map((_, i) => i + 1).concat(models.length + 1),
  );

  const siteChart = barChart({
    id: 'site-pflops',
    title: 'Throughput per site by precision',
    description: f.sites
      .map((s) => `${s.id}: ${PRECISIONS.map((p) => `${p.label} ${pflops(s.pflops[p.key])}`).join(', ')} PFLOP/s.`)
      .join(' '),
    axisLabel: 'PFLOP/s, dense',
    series: PRECISIONS.map((p) => ({ label: p.label, color: p.color })),
    layout: 'grouped',
    format: pflops,
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: PRECISIONS.map((p, i) => ({
        value: s.pflops[p.key],
        series: i,
        title: `${s.id} ${p.label}: ${pflops(s.pflops[p.key])} PFLOP/s`,
      })),
    })),
  });
  const siteTable = table(
    'PFLOP/s per site, dense',
    ['Site', 'BF16', 'FP8', 'FP64'],
    [
      ...f.sites.map((s) => [s.id, pflops(s.pflops.bf16), pflops(s.pflops.fp8), pflops(s.pflops.fp64)]),
      ['Fleet', pflops(t.pflops.bf16), pflops(t.pflops.fp8), pflops(t.pflops.fp64)],
    ],
    [1, 2, 3],
  );

  return html`<section id="capacity"><h2>Capacity</h2><p>Dense (no sparsity) throughput from the per-GPU datasheet figures in <code>config/catalogue.ts</code>; FP64 counts the tensor (matrix) units where a GPU has them, else its vector units.</p>${figure(
    fleetChart,
    `The fleet's total against the announced "several hundred petaflops": the dashed line is its lower bound, ${ANNOUNCED_PFLOPS} PFLOP/s.`,
    fleetTable,
  )}${figure(gpuChart, 'GPUs of each site, stacked by model.', gpuTable)}${figure(siteChart, 'BF16, FP8 and FP64 throughput of each site.', siteTable)}</section>`;
}

export function energySection(f: FleetFigures): Markup {
  const t = f.totals;
  const powerChart = barChart({
    id: 'power',
    title: 'Power at full load against the budget',
    description: f.sites
      .map(
        (s) =>
          `${s.id}: IT ${mw(s.power.itMW)} MW, facility ${mw(s.power.facilityMW)} MW (PUE ${s.power.pue}), budget ${mw(s.power.budgetMW)} MW.`,
      )
      .join(' '),
    axisLabel: 'MW',
    series: [
      { label: 'IT power (GPUs at TDP + node overhead)', color: PALETTE[4] },
      { label: 'Facility power (IT x PUE)', color: PALETTE[5] },
    ],
    layout: 'grouped',
    format: mw,
    markerLabel: 'Budget',
    rows: f.sites.map(
      (s): BarRow => ({
        label: s.id,
        marker: s.power.budgetMW,
        bars: [
          { value: s.power.itMW, series: 0, title: `${s.id} IT power: ${mw(s.power.itMW)} MW` },
          { value: s.power.facilityMW, series: 1, title: `${s.id} facility power: ${mw(s.power.facilityMW)} MW (PUE ${s.power.pue})` },
        ],
      }),
    ),
  });
  const powerTable = table(
    'Power at full load, MW',
    ['Site', 'IT', 'PUE', 'Facility', 'Budget', 'Of budget'],
    [
      ...f.sites.map((s) => [
        s.id,
        mw(s.power.itMW),
        num(s.power.pue, 2),
        mw(s.power.facilityMW),
        mw(s.power.budgetMW),
        percent(s.power.facilityMW / s.power.budgetMW),
      ]),
      ['Fleet', mw(t.itMW), '', mw(t.facilityMW), mw(t.budgetMW), percent(t.facilityMW / t.budgetMW)],
    ],
    [1, 2, 3, 4, 5],
  );
  const carbonChart = barChart({
    id: 'carbon',
    title: 'Estimated emissions at full load',
    description: f.sites
      .map(
        (s) =>
          `${s.id}: ${num(s.carbon.tCO2ePerYear)} t CO2e per year (${num(s.carbon.facilityMWhPerYear)} MWh at ${num(s.carbon.gridGPerKWh)} g/kWh).`,
      )
      .join(' '),
    axisLabel: 't CO2e per year',
    series: [{ label: 'Facility energy x grid carbon intensity', color: PALETTE[6] }],
    layout: 'stacked',
    format: (v) => num(v),
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: [{ value: s.carbon.tCO2ePerYear, series: 0, title: `${s.id}: ${num(s.carbon.tCO2ePerYear)} t CO2e per year` }],
    })),
  });
  const carbonTable = table(
    'Emissions at full load',
    ['Site', 'Grid gCO2e/kWh', 'MWh / year', 't CO2e / year'],
    [
      ...f.sites.map((s) => [s.id, num(s.carbon.gridGPerKWh), num(s.carbon.facilityMWhPerYear), num(s.carbon.tCO2ePerYear)]),
      ['Fleet', '', num(t.facilityMWhPerYear), num(t.tCO2ePerYear)],
    ],
    [1, 2, 3],
  );
  return html`<section id="energy"><h2>Power and carbon</h2><p>Full load: every GPU at its TDP plus each node's overhead (IT power); facility power is IT power times the site's PUE. Emissions: facility energy over a year at full load (${num(HOURS_PER_YEAR)} h) times the site's grid carbon intensity, an upper estimate.</p>${figure(
    powerChart,
    "Each site's IT and facility power; the black tick is its facility power budget.",
    powerTable,
  )}${figure(carbonChart, 'Estimated t CO2e per year if every site ran at full load all year.', carbonTable)}</section>`;
}

export function storageNetworkSection(f: FleetFigures): Markup {
  const t = f.totals;
  const storageChart = barChart({
    id: 'storage',
    title: 'Storage per tier',
    description: f.sites
      .map((s) => `${s.id}: ${STORAGE_TIERS.map((tier) => `${TIER_NAMES[tier]} ${num(s.storage.tiersTB[tier])} TB`).join(', ')}.`)
      .join(' '),
    axisLabel: 'TB',
    series: STORAGE_TIERS.map((tier, i) => ({ label: TIER_NAMES[tier], color: PALETTE[i] })),
    layout: 'stacked',
    format: (v) => num(v),
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: STORAGE_TIERS.map((tier, i) => ({
        value: s.storage.tiersTB[tier],
        series: i,
        title: `${s.id} ${TIER_NAMES[tier]}: ${num(s.storage.tiersTB[tier])} TB`,
        text: num(s.storage.tiersTB[tier]),
      })),
    })),
  });
  const storageTable = table(
    'Storage per tier, TB',
    ['Site', 'Backend', ...STORAGE_TIERS.map((tier) => TIER_NAMES[tier]), 'Total'],
    [
      ...f.sites.map((s) => [
        s.id,
        s.storage.backend,
        ...STORAGE_TIERS.map((tier) => num(s.storage.tiersTB[tier])),
        num(STORAGE_TIERS.reduce((sum, tier) => sum + s.storage.tiersTB[tier], 0)),
      ]),
      [
        'Fleet',
        '',
        ...STORAGE_TIERS.map((tier) => num(t.storageTB[tier])),
        num(STORAGE_TIERS.reduce((sum, tier) => sum + t.storageTB[tier], 0)),
      ],
    ],
    [2, 3, 4, 5, 6],
  );
  const wanChart = barChart({
    id: 'wan',
    title: 'WAN uplinks per site',
    description: f.sites
      .map(
        (s) =>
          `${s.id}: ${s.uplinks.length ? s.uplinks.map((u) => `${u.name} to ${u.peer} ${num(u.gbps)} Gb/s`).join(', ') : 'no uplink'}.`,
      )
      .join(' '),
    axisLabel: 'Gb/s contracted',
    series: [{ label: 'Uplink (one segment each)', color: PALETTE[0] }],
    layout: 'stacked',
    format: (v) => num(v),
    rows: f.sites.map((s) => ({
      label: s.id,
      bars: s.uplinks.map((u) => ({
        value: u.gbps,
        series: 0,
        title: `${s.id} ${u.name} to ${u.peer}: ${num(u.gbps)} Gb/s`,
        text: u.peer,
      })),
    })),
  });
  const networkTable = table(
    'Fabric and WAN',
    ['Site', 'Fabric', 'Link Gb/s', 'Rails / node', 'Uplinks (Gb/s)'],
    f.sites.map((s) => [
      s.id,
      s.fabric.fabric === 'infiniband' ? 'InfiniBand' : 'RoCE',
      num(s.fabric.linkGbps),
      num(s.fabric.railsPerNode),
      s.uplinks.map((u) => `${u.name} → ${u.peer} ${num(u.gbps)}`).join(', ') || 'none',
    ]),
    [2, 3],
  );
  return html`<section id="storage-network"><h2>Storage, fabric and WAN</h2>${figure(
    storageChart,
    "Each site's storage tiers, stacked.",
    storageTable,
  )}${figure(wanChart, `Contracted WAN capacity per site, one segment per uplink; fleet total ${num(t.wanGbps)} Gb/s.`, networkTable)}</section>`;
}
