/** Shared pieces of the report page: number formats, colours and names, tables and figures. */
import type { Programme } from '../../config/schema';
import { PALETTE, type Series } from './report-charts';
import type { MILESTONES, StorageTier, Window } from './report-data';
import { html, type Interpolation, type Markup } from './report-markup';

const DAY_MS = 86_400_000;

/** Numbers in one fixed locale, so the page is the same wherever it is generated. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export const pflops = (value: number) => num(value, value < 100 ? 1 : 0);
export const mw = (value: number) => num(value, 2);
export const percent = (fraction: number) => `${num(fraction * 100)} %`;

export const PHASE_SERIES: readonly Series[] = [
  { label: 'Phase 1: reception, racks, link validation', color: PALETTE[4] },
  { label: 'Phase 2: production', color: PALETTE[0] },
];
export const PRECISIONS = [
  { key: 'bf16', label: 'BF16', color: PALETTE[0] },
  { key: 'fp8', label: 'FP8', color: PALETTE[1] },
  { key: 'fp64', label: 'FP64', color: PALETTE[2] },
] as const;
export const PROGRAMME_COLORS: Record<Programme, string> = { academic: PALETTE[0], industrial: PALETTE[1], sme: PALETTE[2] };
export const PROGRAMME_NAMES: Record<Programme, string> = { academic: 'Academic', industrial: 'Industrial', sme: 'SME' };
export const TIER_NAMES: Record<StorageTier, string> = {
  scratch: 'Scratch',
  datasets: 'Datasets',
  checkpoints: 'Checkpoints',
  object: 'Object',
};

/** Days from the end of `milestone` to `date` (YYYY-MM-DD): negative or zero when on time. */
export function daysAfter(date: string, milestone: Window): number {
  return Math.round((Date.parse(date) - Date.parse(milestone.end)) / DAY_MS);
}

export function versus(date: string, milestone: (typeof MILESTONES)[number]): string {
  const late = daysAfter(date, milestone);
  if (Date.parse(date) < Date.parse(milestone.start)) return `before ${milestone.name}`;
  return late <= 0 ? `within ${milestone.name}` : `${num(late)} days after ${milestone.name}`;
}

/** A table whose first column names the row; `numeric` columns are right-aligned. */
export function table(
  caption: string,
  head: readonly string[],
  rows: readonly (readonly Interpolation[])[],
  numeric: readonly number[] = [],
): Markup {
  const align = (i: number) => (numeric.includes(i) ? html` class="num"` : null);
  return html`<table><caption>${caption}</caption><thead><tr>${head.map((h, i) => html`<th scope="col"${align(i)}>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((value, i) => (i === 0 ? html`<th scope="row">${value}</th>` : html`<td${align(i)}>${value}</td>`))}</tr>`,
  )}</tbody></table>`;
}

/** A chart with its caption, and the table of its numbers beside it (below it when `wide`). */
export function figure(chart: Markup, caption: string, numbers: Markup, wide = false): Markup {
  return html`<div class="${wide ? 'pair wide' : 'pair'}"><figure>${chart}<figcaption>${caption}</figcaption></figure>${numbers}</div>`;
}
