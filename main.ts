/**
 * cdktf app entry: loads the fleet config, builds every site's stacks and synthesizes them.
 * Bad config prints one line per problem and exits 1 before anything is written; synthesis goes
 * to a staging folder that replaces the output only when it is complete.
 */
import { App } from 'cdktf/lib/app';
import { DEFAULT_CONFIG_DIR, loadFleet } from './config/loader';
import { formatProblem } from './config/source';
import { buildFleet } from './stacks/fleet';
import { replaceDirectory } from './tools/private/fs';

function main(): number {
  const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const result = loadFleet(configDir);
  if (!result.ok) {
    for (const problem of result.problems) console.error(formatProblem(problem));
    console.error(`${result.problems.length} problem(s) in ${configDir}; nothing was synthesized.`);
    return 1;
  }
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  const staging = `${outdir}.staging-${process.pid}`;
  try {
    const app = new App({ outdir: staging });
    buildFleet(app, result.fleet);
    app.synth();
  } catch (err) {
    replaceDirectory(undefined, staging);
    console.error(`synthesis failed, ${outdir} left as it was:\n${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  replaceDirectory(staging, outdir);
  return 0;
}

process.exitCode = main();
