/**
 * cdktf app entry: loads the fleet config, builds every site's stacks and synthesizes them.
 * Bad config prints one line per problem and exits 1 before anything is written. Synthesis goes
 * to a staging folder whose files move into the output only when it is complete; Terraform's
 * working files (`.terraform/`, the lock file) stay, and state lives outside the output.
 */
import { DEFAULT_CONFIG_DIR, loadFleet } from './config/loader';
import { formatProblem } from './config/source';
import { buildFleet } from './stacks/fleet';
import { synthesize, type LeftoverStack } from './tools/private/synth';

/** Set by the cdktf CLI when it runs the app; it then removes the folders of stale stacks itself. */
const UNDER_CDKTF_CLI = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined;

function leftoverMessage(stack: LeftoverStack, outdir: string): string {
  const what = stack.folderRemoved
    ? `${stack.id}: no longer in the config, so its folder left ${outdir}; nothing was destroyed and its state is kept (${stack.state}).`
    : `${stack.id}: the state ${stack.state} holds resources of a stack the config no longer has; nothing was destroyed.`;
  return `${what} To destroy its resources deliberately, check out the config that still has the stack and run: npm run destroy -- ${stack.id}`;
}

function main(): number {
  const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const result = loadFleet(configDir);
  if (!result.ok) {
    for (const problem of result.problems) console.error(formatProblem(problem));
    console.error(`${result.problems.length} problem(s) in ${configDir}; nothing was synthesized.`);
    return 1;
  }
  const fleet = result.fleet;
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  try {
    const { leftovers } = synthesize({
      outdir,
      localStateDirectory: fleet.backend.type === 'local' ? fleet.backend.directory : undefined,
      removeStaleStacks: !UNDER_CDKTF_CLI,
      build: (app) => buildFleet(app, fleet),
    });
    for (const stack of leftovers) console.error(leftoverMessage(stack, outdir));
  } catch (err) {
    console.error(`synthesis failed, ${outdir} left as it was:\n${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
