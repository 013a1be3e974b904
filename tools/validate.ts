/**
 * `npm run validate`: checks the fleet config only (no synthesis), with the same messages as
 * synth. Exit 0 when clean, 1 with one line per problem otherwise.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_CONFIG_DIR, loadFleet } from '../config/loader';
import { siteBf16Pflops, siteGpus } from '../config/model';
import { formatProblem } from '../config/source';

const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
const started = performance.now();
const result = loadFleet(configDir);
const ms = performance.now() - started;
if (result.ok) {
  const sites = result.fleet.sites;
  const gpus = sites.reduce((sum, s) => sum + siteGpus(s), 0);
  const pflops = sites.reduce((sum, s) => sum + siteBf16Pflops(s), 0);
  console.log(`${configDir}: ${sites.length} sites, ${gpus} GPUs, ${pflops.toFixed(0)} PFLOP/s BF16 dense, config valid (${ms.toFixed(0)} ms)`);
} else {
  for (const problem of result.problems) console.error(formatProblem(problem));
  console.error(`${result.problems.length} problem(s) in ${configDir} (${ms.toFixed(0)} ms)`);
  process.exitCode = 1;
}
