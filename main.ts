/**
 * cdktf app entry: loads the fleet config, builds every site's stacks and synthesizes them.
 * Bad config prints one line per problem and exits 1 before anything is written. Synthesis goes
 * to a staging folder whose files move into the output only when it is complete; Terraform's
 * working files (`.terraform/`, the lock file) stay, and state lives outside the output.
 */
import { DEFAULT_CONFIG_DIR, loadFleet } from './config/loader';
import { formatProblem } from './config/source';
import { buildFleet } from './stacks/fleet';
import { LAYERS } from './stacks/site-stack';
import { OutputMoveError, synthesize, type LeftoverStack } from './tools/private/synth';

/**
 * Set by the cdktf CLI (cli-core synth-stack) when it runs the app; the CLI then removes the
 * folders of stale stacks itself, and fails if one is already gone. A test runs the real CLI.
 */
const UNDER_CDKTF_CLI = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined;

/** One line per stack that left the config; the destroy command names every left stack of its site. */
function leftoverMessages(leftovers: LeftoverStack[], outdir: string): string[] {
  const siteOf = (id: string) => id.replace(new RegExp(`-(${LAYERS.join('|')})$`), '');
  return leftovers.map((stack) => {
    const siblings = leftovers.filter((other) => siteOf(other.id) === siteOf(stack.id));
    const target = siblings.length > 1 ? `'${siteOf(stack.id)}-*'` : stack.id;
    const state =
      stack.resources === 0
        ? `its state ${stack.state} holds no resources, so nothing is left to destroy`
        : `nothing was destroyed and its state is kept (${stack.state})`;
    const what = stack.folderRemoved
      ? `${stack.id}: no longer in the config, so its folder left ${outdir}; ${state}.`
      : `${stack.id}: the state ${stack.state} holds ${stack.resources} resource(s) of a stack the config no longer has; nothing was destroyed.`;
    if (stack.resources === 0) return what;
    return `${what} To destroy its resources deliberately, check out the config that still has the stack and run: npm run destroy -- ${target}`;
  });
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
    for (const line of leftoverMessages(leftovers, outdir)) console.error(line);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(err instanceof OutputMoveError ? message : `synthesis failed, ${outdir} left as it was:\n${message}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
