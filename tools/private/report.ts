/**
 * Writes the fleet report for a config folder into an output folder. A config with problems
 * writes nothing (a report from an earlier run stays as it was), and the page is written under
 * a temporary name and renamed, so a reader never finds half a report.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFleet } from '../../config/loader';
import type { Problem } from '../../config/source';
import { fleetFigures, type FleetFigures } from './report-data';
import { reportHtml } from './report-html';

/** Where `npm run report` writes, beside (never inside) the synthesized stacks in `cdktf.out/stacks/`. */
export const DEFAULT_REPORT_DIR = join('cdktf.out', 'report');
export const REPORT_FILE = 'index.html';

export type ReportResult =
  | { readonly ok: true; readonly file: string; readonly figures: FleetFigures }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export function writeReport(configDir: string, outDir: string): ReportResult {
  const result = loadFleet(configDir);
  if (!result.ok) return result;
  const figures = fleetFigures(result.fleet);
  const page = reportHtml(figures);
  const file = join(outDir, REPORT_FILE);
  const partial = `${file}.${process.pid}.tmp`;
  mkdirSync(outDir, { recursive: true });
  try {
    writeFileSync(partial, page);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return { ok: true, file, figures };
}
