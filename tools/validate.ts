/**
 * `npm run validate`: checks the fleet config only (no synthesis), with the same messages as
 * synth. Exit 0 when clean (printing a note for each value left to a guessed default), 1 with one
 * line per problem otherwise. `--annotations` also prints
 * each problem as a GitHub Actions workflow command, so it shows on the pull request's file.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG_DIR, loadFleet } from '../config/loader';
import { siteBf16Pflops, siteGpus } from '../config/model';
import { formatProblem, type Problem } from '../config/source';

/** `::error file=...,line=...,col=...::message`, escaped as the workflow command syntax asks. */
export function annotation(p: Problem): string {
  const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::error file=${property(p.file)},line=${p.line},col=${p.column},title=${property(`config: ${p.path}`)}::${escapeData(`${p.path}: ${p.message}`)}`;
}

const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
const started = performance.now();
// FACTORY_CHANGED_FILES (one path per line, e.g. git diff --name-only): conflicts land on the changed file.
const changedFiles = (process.env.FACTORY_CHANGED_FILES ?? '')
  .split('\n')
  .map((f) => f.trim())
  .filter(Boolean);
const result = loadFleet(configDir, { changedFiles });
const ms = performance.now() - started;
if (result.ok) {
  const sites = result.fleet.sites;
  const gpus = sites.reduce((sum, s) => sum + siteGpus(s), 0);
  const pflops = sites.reduce((sum, s) => sum + siteBf16Pflops(s), 0);
  console.log(
    `${configDir}: ${sites.length} sites, ${gpus} GPUs, ${pflops.toFixed(0)} PFLOP/s BF16 dense, config valid (${ms.toFixed(0)} ms)`,
  );
  // Values left to a guessed default: valid, but for ops to confirm.
  for (const note of result.notes) console.error(`note: ${formatProblem(note)}`);
} else {
  for (const problem of result.problems) console.error(formatProblem(problem));
  if (process.argv.includes('--annotations')) for (const problem of result.problems) console.log(annotation(problem));
  console.error(`${result.problems.length} problem(s) in ${configDir} (${ms.toFixed(0)} ms)`);
  process.exitCode = 1;
}
