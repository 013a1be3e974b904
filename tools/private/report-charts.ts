/**
 * The report's charts as inline SVG: horizontal bars (stacked or grouped) and a Gantt timeline.
 * d3-scale and d3-array place the marks and ticks; the SVG is written as text, so the page needs
 * no script and renders the same from disk in any browser. Every chart is an `<svg role="img">`
 * with a `<title>` and a `<desc>` that give its numbers in words; marks have hover titles.
 */
import { cumsum, max } from 'd3-array';
import { scaleBand, scaleLinear, scaleUtc } from 'd3-scale';
import { html, type Markup } from './report-markup';

/** Colour-blind-safe categorical palette (Okabe and Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8C6D1F', '#000000'] as const;

export interface Series {
  readonly label: string;
  readonly color: string;
}

/** What every chart has: an id for its title and description, and its numbers in words. */
interface ChartText {
  /** Unique in the page; prefixes the ids of the title and description. */
  readonly id: string;
  readonly title: string;
  /** The chart's numbers in words, for screen readers. */
  readonly description: string;
  /** Drawing width, px; the page scales it down on narrow screens. @default 760 */
  readonly width?: number;
}

export interface Bar {
  readonly value: number;
  /** Index into the chart's series: its colour and legend entry. */
  readonly series: number;
  /** Hover text of the mark. */
  readonly title: string;
  /** Text drawn inside the bar where it fits. */
  readonly text?: string;
  /** Drawn hatched, e.g. a subsidised programme; the chart's `hatchLabel` says what it means. */
  readonly hatched?: boolean;
}

export interface BarRow {
  readonly label: string;
  readonly bars: readonly Bar[];
  /** A tick across the row at this value, e.g. the site's power budget. */
  readonly marker?: number;
}

export interface BarChart extends ChartText {
  readonly axisLabel: string;
  readonly series: readonly Series[];
  readonly rows: readonly BarRow[];
  /** stacked: a row's bars end to end (parts of a whole); grouped: one bar per series, side by side. */
  readonly layout: 'stacked' | 'grouped';
  /** Value labels: a stacked row's total, each grouped bar's value. */
  readonly format: (value: number) => string;
  /** Legend entry of the row markers. */
  readonly markerLabel?: string;
  /** A line across every row, e.g. an announced figure. */
  readonly reference?: { readonly value: number; readonly label: string };
  /** Legend entry of hatched bars. */
  readonly hatchLabel?: string;
}

export interface TimelineBar {
  /** First and last day, YYYY-MM-DD. */
  readonly start: string;
  readonly end: string;
  readonly series: number;
  readonly title: string;
  readonly text: string;
  /** Drawn solid and outlined (the current phase); others are pale. */
  readonly emphasis: boolean;
}

export interface TimelineRow {
  readonly label: string;
  readonly sublabel: string;
  readonly bars: readonly TimelineBar[];
  /** A day marked with a diamond, e.g. the Phase 1 sign-off. */
  readonly marker?: { readonly date: string; readonly title: string };
}

export interface Timeline extends ChartText {
  readonly series: readonly Series[];
  readonly rows: readonly TimelineRow[];
  /** Shaded windows across every row, e.g. the mission's milestones. */
  readonly windows: readonly { readonly start: string; readonly end: string; readonly label: string }[];
  readonly markerLabel: string;
  readonly emphasisLabel: string;
}

const WIDTH = 760;
const FONT = 12;
const SMALL = 11;
const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#d0d7de';
const DAY_MS = 86_400_000;

/** Rough width of text in the page's sans-serif font: enough to size margins and decide whether a label fits. */
function textWidth(text: string, size = FONT): number {
  return text.length * size * 0.58;
}

/** Black or white, whichever reads better on `color` (a #rrggbb colour). */
function inkOn(color: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16) / 255);
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b) > 0.3 ? '#000000' : '#ffffff';
}

/** Coordinates rounded for compact, stable markup. */
function px(n: number): number {
  return Math.round(n * 10) / 10;
}

function frame(chart: ChartText, width: number, height: number, body: Markup): Markup {
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${px(height)}" viewBox="0 0 ${width} ${px(height)}" aria-labelledby="${chart.id}-title ${chart.id}-desc" font-size="${FONT}"><title id="${chart.id}-title">${chart.title}</title><desc id="${chart.id}-desc">${chart.description}</desc>${body}</svg>`;
}

type LegendItem = { readonly label: string; readonly swatch: Markup };

/** Legend entries flowed left to right, wrapping at the chart's width; returns the markup and its height. */
function legend(items: readonly LegendItem[], width: number): { markup: Markup; height: number } {
  const rowHeight = 18;
  let x = 0;
  let y = 0;
  const placed = items.map((item) => {
    const w = 18 + textWidth(item.label) + 16;
    if (x > 0 && x + w > width) {
      x = 0;
      y += rowHeight;
    }
    const at = html`<g class="legend-item" transform="translate(${px(x)},${y})">${item.swatch}<text x="16" y="10" fill="${INK}">${item.label}</text></g>`;
    x += w;
    return at;
  });
  return { markup: html`<g class="legend" transform="translate(0,4)">${placed}</g>`, height: items.length ? y + rowHeight + 8 : 0 };
}

const boxSwatch = (color: string) => html`<rect width="11" height="11" y="1" fill="${color}"/>`;

/** Horizontal bars, one row per category; a bar too narrow for its text keeps it as a hover title only. */
export function barChart(chart: BarChart): Markup {
  const width = chart.width ?? WIDTH;
  const labelWidth = Math.max(...chart.rows.map((row) => textWidth(row.label))) + 14;
  const valueRoom = Math.max(...chart.rows.flatMap((row) => row.bars.map((bar) => textWidth(chart.format(bar.value), SMALL))), 30) + 16;
  const items: LegendItem[] = chart.series.map((s) => ({ label: s.label, swatch: boxSwatch(s.color) }));
  if (chart.markerLabel) items.push({ label: chart.markerLabel, swatch: html`<rect x="4" y="-1" width="3" height="15" fill="${INK}"/>` });
  const hatch = `${chart.id}-hatch`;
  if (chart.hatchLabel) {
    items.push({
      label: chart.hatchLabel,
      swatch: html`<rect width="11" height="11" y="1" fill="${MUTED}"/><rect width="11" height="11" y="1" fill="url(#${hatch})"/>`,
    });
  }
  const key = legend(items, width);
  const referenceRoom = chart.reference ? 20 : 0;
  const top = key.height + referenceRoom;
  const band = chart.layout === 'stacked' ? 22 : chart.series.length * 13;
  const rowStep = band / 0.72;
  const plotHeight = chart.rows.length * rowStep;
  const height = top + plotHeight + 44;

  const totals = chart.rows.map((row) =>
    chart.layout === 'stacked' ? row.bars.reduce((sum, bar) => sum + bar.value, 0) : (max(row.bars, (bar) => bar.value) ?? 0),
  );
  const domainMax = max([...totals, ...chart.rows.map((row) => row.marker ?? 0), chart.reference?.value ?? 0]) || 1;
  const x = scaleLinear()
    .domain([0, domainMax])
    .nice()
    .range([labelWidth, width - valueRoom]);
  const y = scaleBand<number>()
    .domain(chart.rows.map((_, i) => i))
    .range([top, top + plotHeight])
    .paddingInner(0.28)
    .paddingOuter(0.14);
  const inner = scaleBand<number>()
    .domain(chart.series.map((_, i) => i))
    .range([0, y.bandwidth()])
    .paddingInner(0.08);

  const ticks = x.ticks(6);
  const tickFormat = x.tickFormat(6, ',~f');
  const grid = ticks.map(
    (t) =>
      html`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${px(top + plotHeight)}" stroke="${GRID}"/><text x="${px(x(t))}" y="${px(top + plotHeight + 14)}" text-anchor="middle" fill="${MUTED}" font-size="${SMALL}">${tickFormat(t)}</text>`,
  );
  const axisLabel = html`<text x="${px((labelWidth + width - valueRoom) / 2)}" y="${px(top + plotHeight + 34)}" text-anchor="middle" fill="${INK}">${chart.axisLabel}</text>`;

  const rows = chart.rows.map((row, r) => {
    const y0 = y(r) ?? 0;
    const label = html`<text x="${px(labelWidth - 8)}" y="${px(y0 + y.bandwidth() / 2 + 4)}" text-anchor="end" fill="${INK}">${row.label}</text>`;
    const ends = cumsum(row.bars, (bar) => bar.value);
    const marks = row.bars.map((bar, i) => {
      const color = chart.series[bar.series].color;
      const [from, to] = chart.layout === 'stacked' ? [ends[i] - bar.value, ends[i]] : [0, bar.value];
      const top0 = chart.layout === 'stacked' ? y0 : y0 + (inner(bar.series) ?? 0);
      const h = chart.layout === 'stacked' ? y.bandwidth() : inner.bandwidth();
      const x0 = x(from);
      const w = Math.max(0, x(to) - x0);
      const fits = bar.text !== undefined && textWidth(bar.text, SMALL) + 8 < w && h >= 11;
      const text = fits
        ? html`<text x="${px(x0 + w / 2)}" y="${px(top0 + h / 2 + 4)}" text-anchor="middle" fill="${inkOn(color)}" font-size="${SMALL}" pointer-events="none">${bar.text}</text>`
        : null;
      const value =
        chart.layout === 'grouped'
          ? html`<text x="${px(x0 + w + 4)}" y="${px(top0 + h / 2 + 4)}" fill="${MUTED}" font-size="${SMALL}">${chart.format(bar.value)}</text>`
          : null;
      const hatching = bar.hatched
        ? html`<rect x="${px(x0)}" y="${px(top0)}" width="${px(w)}" height="${px(h)}" fill="url(#${hatch})" pointer-events="none"/>`
        : null;
      return html`<rect x="${px(x0)}" y="${px(top0)}" width="${px(w)}" height="${px(h)}" fill="${color}" stroke="#ffffff" stroke-width="${chart.layout === 'stacked' ? 1 : 0}"><title>${bar.title}</title></rect>${hatching}${text}${value}`;
    });
    const total =
      chart.layout === 'stacked'
        ? html`<text x="${px(x(totals[r]) + 4)}" y="${px(y0 + y.bandwidth() / 2 + 4)}" fill="${MUTED}" font-size="${SMALL}">${chart.format(totals[r])}</text>`
        : null;
    const marker =
      row.marker !== undefined
        ? html`<rect class="marker" x="${px(x(row.marker) - 1.5)}" y="${px(y0 - 3)}" width="3" height="${px(y.bandwidth() + 6)}" fill="${INK}"><title>${row.label}: ${chart.markerLabel ?? ''} ${chart.format(row.marker)}</title></rect>`
        : null;
    return html`${label}${marks}${total}${marker}`;
  });

  const reference = chart.reference
    ? (() => {
        const rx = x(chart.reference.value);
        const anchorEnd = rx + textWidth(chart.reference.label) > width;
        return html`<line class="reference" x1="${px(rx)}" x2="${px(rx)}" y1="${top - 6}" y2="${px(top + plotHeight)}" stroke="${INK}" stroke-width="1.5" stroke-dasharray="5 3"><title>${chart.reference.label}</title></line><text x="${px(anchorEnd ? rx - 4 : rx + 4)}" y="${top - 8}" text-anchor="${anchorEnd ? 'end' : 'start'}" fill="${INK}">${chart.reference.label}</text>`;
      })()
    : null;

  const defs = chart.hatchLabel
    ? html`<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="1.5" height="6" fill="#ffffff" fill-opacity="0.45"/></pattern></defs>`
    : null;
  return frame(
    chart,
    width,
    height,
    html`${defs}${key.markup}<g class="axis">${grid}${axisLabel}</g><g class="marks">${rows}</g>${reference}`,
  );
}

/** A day as a UTC instant; `end` days count whole, so a bar ends at the next midnight. */
function day(date: string, end = false): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + (end ? DAY_MS : 0));
}

/** A Gantt chart: one row per site, a bar per phase, shaded windows and a marked day. */
export function timeline(chart: Timeline): Markup {
  const width = chart.width ?? WIDTH;
  const labelWidth = Math.max(...chart.rows.flatMap((row) => [textWidth(row.label), textWidth(row.sublabel, SMALL)])) + 14;
  const items: LegendItem[] = chart.series.map((s) => ({ label: s.label, swatch: boxSwatch(s.color) }));
  items.push({
    label: chart.emphasisLabel,
    swatch: html`<rect x="0.75" y="1.75" width="9.5" height="9.5" fill="#ffffff" stroke="${INK}" stroke-width="1.5"/>`,
  });
  items.push({ label: chart.markerLabel, swatch: html`<path d="M5.5 0.5 L11 6.5 L5.5 12.5 L0 6.5 Z" fill="${INK}"/>` });
  for (const w of chart.windows)
    items.push({ label: w.label, swatch: html`<rect width="11" height="11" y="1" fill="#fff2b3" stroke="#d4a72c"/>` });
  const key = legend(items, width);
  const top = key.height + 18;
  const rowStep = 40;
  const plotHeight = chart.rows.length * rowStep;
  const height = top + plotHeight + 40;

  const dates = [
    ...chart.rows.flatMap((row) => row.bars.flatMap((bar) => [day(bar.start), day(bar.end, true)])),
    ...chart.rows.flatMap((row) => (row.marker ? [day(row.marker.date), day(row.marker.date, true)] : [])),
    ...chart.windows.flatMap((w) => [day(w.start), day(w.end, true)]),
  ];
  const first = new Date(Math.min(...dates.map(Number)));
  const last = new Date(Math.max(...dates.map(Number)));
  const x = scaleUtc()
    .domain([first, last])
    .nice()
    .range([labelWidth, width - 12]);
  const y = scaleBand<number>()
    .domain(chart.rows.map((_, i) => i))
    .range([top, top + plotHeight])
    .paddingInner(0.35)
    .paddingOuter(0.2);

  const ticks = x.ticks(12);
  const month = x.tickFormat(12, '%b');
  const grid = ticks.map((t, i) => {
    const year = i === 0 || t.getUTCMonth() === 0 ? html`<tspan x="${px(x(t))}" dy="13">${t.getUTCFullYear()}</tspan>` : null;
    return html`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${px(top + plotHeight)}" stroke="${GRID}"/><text x="${px(x(t))}" y="${px(top + plotHeight + 14)}" text-anchor="middle" fill="${MUTED}" font-size="${SMALL}">${month(t)}${year}</text>`;
  });

  const windows = chart.windows.map((w) => {
    const x0 = x(day(w.start));
    const x1 = x(day(w.end, true));
    return html`<rect class="window" x="${px(x0)}" y="${top - 16}" width="${px(x1 - x0)}" height="${px(plotHeight + 16)}" fill="#fff2b3" stroke="#d4a72c" stroke-dasharray="3 2"><title>${w.label}: ${w.start} to ${w.end}</title></rect><text x="${px((x0 + x1) / 2)}" y="${top - 4}" text-anchor="middle" fill="${INK}" font-size="${SMALL}">${w.label}</text>`;
  });

  const rows = chart.rows.map((row, r) => {
    const y0 = y(r) ?? 0;
    const h = y.bandwidth();
    const labels = html`<text x="${px(labelWidth - 8)}" y="${px(y0 + h / 2 - 2)}" text-anchor="end" fill="${INK}">${row.label}</text><text x="${px(labelWidth - 8)}" y="${px(y0 + h / 2 + 11)}" text-anchor="end" fill="${MUTED}" font-size="${SMALL}">${row.sublabel}</text>`;
    const bars = row.bars.map((bar) => {
      const color = chart.series[bar.series].color;
      const x0 = x(day(bar.start));
      const w = Math.max(1, x(day(bar.end, true)) - x0);
      const fits = textWidth(bar.text, SMALL) + 8 < w;
      const outline = bar.emphasis ? html` stroke="${INK}" stroke-width="1.5"` : null;
      // Pale bars sit on white, so a shaded window behind them does not tint them.
      const underlay = bar.emphasis ? null : html`<rect x="${px(x0)}" y="${px(y0)}" width="${px(w)}" height="${px(h)}" fill="#ffffff"/>`;
      return html`${underlay}<rect x="${px(x0)}" y="${px(y0)}" width="${px(w)}" height="${px(h)}" fill="${color}" fill-opacity="${bar.emphasis ? 1 : 0.35}"${outline}><title>${bar.title}</title></rect>${
        fits
          ? html`<text x="${px(x0 + w / 2)}" y="${px(y0 + h / 2 + 4)}" text-anchor="middle" fill="${bar.emphasis ? inkOn(color) : INK}" font-size="${SMALL}" pointer-events="none">${bar.text}</text>`
          : null
      }`;
    });
    const marker = row.marker
      ? (() => {
          const cx = x(new Date(Number(day(row.marker.date)) + DAY_MS / 2));
          const cy = y0 + h / 2;
          return html`<path class="marker" d="M${px(cx)} ${px(cy - 8)} L${px(cx + 7)} ${px(cy)} L${px(cx)} ${px(cy + 8)} L${px(cx - 7)} ${px(cy)} Z" fill="${INK}" stroke="#ffffff"><title>${row.marker.title}</title></path>`;
        })()
      : null;
    return html`${labels}${bars}${marker}`;
  });

  return frame(
    chart,
    width,
    height,
    html`${key.markup}<g class="windows">${windows}</g><g class="axis">${grid}</g><g class="marks">${rows}</g>`,
  );
}
