/**
 * Synthesis into `cdktf.out` that never loses a deploy's working files.
 *
 * cdktf deploy runs Terraform inside `cdktf.out/stacks/<stack id>/`, where `terraform init` leaves
 * `.terraform/` and `.terraform.lock.hcl`. A synth therefore writes to a staging folder first and,
 * only when that is complete, moves the files it generated into place one by one: everything it
 * does not regenerate stays. Stacks that left the config lose their folder, never their state.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { App } from 'cdktf/lib/app';
import { PROJECT_ROOT_FROM_STACK_CONTEXT } from '../../constructs/state-backend';

const STACKS = 'stacks';
const MANIFEST = 'manifest.json';

export interface SynthesisOptions {
  /** The output folder, e.g. `cdktf.out`. */
  readonly outdir: string;
  /** Folder local state paths are relative to. @default - the working directory */
  readonly projectRoot?: string;
  /**
   * Folder of local state files (relative to `projectRoot`), searched for states of stacks that
   * are no longer in the config. @default - not searched (remote backends)
   */
  readonly localStateDirectory?: string;
  /**
   * Remove the folders of stacks that left the config. The cdktf CLI removes them itself after
   * the app has run, and fails when one is already gone. @default true
   */
  readonly removeStaleStacks?: boolean;
  /** Adds the stacks to the app. */
  readonly build: (app: App) => void;
}

/** A stack whose state still exists although the config no longer has it. */
export interface LeftoverStack {
  readonly id: string;
  /** Where its state is: a local path, an S3 URL, a PostgreSQL schema. */
  readonly state: string;
  /** Resources in its local state (0: nothing deployed or all destroyed); undefined for remote backends. */
  readonly resources?: number;
  /** Whether this synth took its folder out of the output (else: found as an orphaned local state). */
  readonly folderRemoved: boolean;
}

export interface SynthesisResult {
  /** The stacks synthesized, in the app's order. */
  readonly stacks: string[];
  readonly leftovers: LeftoverStack[];
}

/** Thrown when the generated files could not all be moved into place (the output may mix both synths). */
export class OutputMoveError extends Error {}

/**
 * Synthesizes the app built by `options.build`. When building or synthesizing throws, `outdir`
 * is left as it was and the error is rethrown; when moving the result into place fails (a full
 * disk, say), an OutputMoveError says so.
 */
export function synthesize(options: SynthesisOptions): SynthesisResult {
  const outdir = resolve(options.outdir);
  const projectRoot = resolve(options.projectRoot ?? process.cwd());
  // Staged inside the output folder: the moves stay on one file system, even when it is a mount.
  mkdirSync(outdir, { recursive: true });
  const staging = join(outdir, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const app = new App({ outdir: staging });
    app.node.setContext(PROJECT_ROOT_FROM_STACK_CONTEXT, projectRootFromStack(outdir, projectRoot));
    options.build(app);
    app.synth();
    const stacks = Object.keys((JSON.parse(readFileSync(join(staging, MANIFEST), 'utf8')) as { stacks: object }).stacks);

    const current = new Set(stacks);
    const stale = directories(join(outdir, STACKS)).filter((id) => !current.has(id));
    const leftovers: LeftoverStack[] = stale.map((id) => ({
      id,
      ...describeState(join(outdir, STACKS, id), projectRoot),
      folderRemoved: true,
    }));
    try {
      mkdirSync(join(outdir, STACKS), { recursive: true });
      for (const id of stacks) {
        const from = join(staging, STACKS, id);
        const to = join(outdir, STACKS, id);
        if (existsSync(to) && !lstatSync(to).isDirectory()) rmSync(to, { force: true });
        mkdirSync(to, { recursive: true });
        for (const entry of readdirSync(from)) moveOver(join(from, entry), join(to, entry));
      }
      // The manifest last: until it moves, the previous one still describes a complete output.
      for (const entry of readdirSync(staging).filter((e) => e !== STACKS)) moveOver(join(staging, entry), join(outdir, entry));
      if (options.removeStaleStacks ?? true) {
        for (const id of stale) rmSync(join(outdir, STACKS, id), { recursive: true, force: true });
      }
    } catch (err) {
      throw new OutputMoveError(
        `moving the synthesized files into ${outdir} failed part-way (${(err as Error).message}); run the synth again`,
      );
    }

    if (options.localStateDirectory !== undefined) {
      const known = new Set([...stacks, ...stale]);
      leftovers.push(...orphanedLocalStates(resolve(projectRoot, options.localStateDirectory), projectRoot, known));
    }
    return { stacks, leftovers };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The path from `<outdir>/stacks/<id>` to the project root as Terraform resolves it: from the
 * physical folders, so a symlinked output folder still finds the project's state.
 */
function projectRootFromStack(outdir: string, projectRoot: string): string {
  const physical = (path: string) => (existsSync(path) ? realpathSync(path) : path);
  return toPosix(relative(join(physical(outdir), STACKS, 'stack'), physical(projectRoot))) || '.';
}

/** Moves a generated file or folder into place; a file replaces a file atomically. */
function moveOver(from: string, to: string): void {
  if (existsSync(to) && (lstatSync(to).isDirectory() || lstatSync(from).isDirectory())) rmSync(to, { recursive: true, force: true });
  renameSync(from, to);
}

function directories(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Where the stack synthesized in `stackDir` keeps its state, read from its backend block. */
function describeState(stackDir: string, projectRoot: string): { state: string; resources?: number } {
  let backend: Record<string, Record<string, string>> | undefined;
  try {
    backend = (
      JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
        terraform?: { backend?: Record<string, Record<string, string>> };
      }
    ).terraform?.backend;
  } catch {
    backend = undefined;
  }
  if (backend?.local?.path) {
    const path = resolve(stackDir, backend.local.path);
    return { state: displayPath(path, projectRoot), resources: stateResources(path) };
  }
  if (backend?.s3) return { state: `s3://${backend.s3.bucket}/${backend.s3.key}` };
  if (backend?.pg) return { state: `PostgreSQL schema ${backend.pg.schema_name} (database of PG_CONN_STR)` };
  return { state: 'the backend it was deployed with' };
}

/** Resources in a local state file: 0 when there is none, 1 when it cannot be read (a person must look). */
function stateResources(path: string): number {
  if (!existsSync(path)) return 0;
  try {
    return ((JSON.parse(readFileSync(path, 'utf8')) as { resources?: unknown[] }).resources ?? []).length;
  } catch {
    return 1;
  }
}

function displayPath(path: string, projectRoot: string): string {
  const rel = relative(projectRoot, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : toPosix(rel);
}

/** Local state files that hold resources of stacks the config no longer has. */
function orphanedLocalStates(stateDir: string, projectRoot: string, known: Set<string>): LeftoverStack[] {
  if (!existsSync(stateDir)) return [];
  return readdirSync(stateDir)
    .filter((name) => name.endsWith('.tfstate') && !known.has(name.slice(0, -'.tfstate'.length)))
    .sort()
    .map((name) => ({ id: name.slice(0, -'.tfstate'.length), path: join(stateDir, name) }))
    .map(({ id, path }) => ({ id, state: displayPath(path, projectRoot), resources: stateResources(path), folderRemoved: false }))
    .filter((leftover) => leftover.resources > 0);
}
