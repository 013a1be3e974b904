/**
 * `npm run deploy|plan|destroy -- <stacks> [cdktf options]`: `cdktf deploy|diff|destroy` without
 * the checkpoint call, refusing to start when the config is invalid or the state backend's
 * environment is missing. Without PG_CONN_STR, Terraform's pg backend falls back to libpq's
 * defaults (PGHOST, or a local server) and would keep state in an unintended database.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_CONFIG_DIR, loadFleet } from '../config/loader';
import { formatProblem } from '../config/source';
import { checkBackend } from './preflight';

const VERBS = ['deploy', 'diff', 'destroy'];

function main(argv: string[]): number {
  const [verb, ...args] = argv;
  if (!VERBS.includes(verb)) {
    console.error(`usage: tsx tools/cdktf.ts <${VERBS.join('|')}> <stack or pattern> [cdktf options]`);
    return 2;
  }
  const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const loaded = loadFleet(configDir);
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(formatProblem(problem));
    console.error(`${loaded.problems.length} problem(s) in ${configDir}; nothing was run`);
    return 1;
  }
  const problems = checkBackend(loaded.fleet, process.env);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    console.error(
      `cdktf ${verb} not started: the state backend's environment is missing (npm run preflight -- <site id> checks everything a deploy needs)`,
    );
    return 1;
  }
  const cdktf = process.env.CDKTF_BIN ?? join(__dirname, '..', 'node_modules', '.bin', 'cdktf');
  const run = spawnSync(cdktf, [verb, ...args], { stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (run.error) {
    console.error(`cdktf could not be started (${run.error.message}); run npm ci first`);
    return 1;
  }
  return run.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
