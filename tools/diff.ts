/**
 * `npm run diff -- --base <git ref>` or `npm run diff -- <base dir> <head dir>`: what a change does
 * to every stack, as Markdown fit for a pull-request comment. With `--base`, the base is
 * synthesized in a temporary git worktree (reusing this checkout's node_modules) while the working
 * tree is synthesized beside it.
 *
 * Exit codes: 0 nothing destructive (or every destructive change allowed), 2 destructive changes
 * not allowed, 1 the diff could not be made (bad arguments, a synth failed).
 * Allows: `--allow-destroy <stack>[:<address>]` (repeatable) and `--allow-from <file>`, which reads
 * `allow-destroy: <stack>[:<address>]` lines (CI passes the pull request's description).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  destructiveAddresses,
  diffSynthOutputs,
  isAllowed,
  type ResourceChange,
  type StackDiff,
  type SynthDiff,
} from './private/synth-diff';

export const EXIT_DESTRUCTIVE = 2;
const MAX_LINES_PER_STACK = 40;
const MAX_VALUE = 60;

export interface DiffArgs {
  readonly base?: string;
  readonly dirs: string[];
  readonly allows: string[];
  readonly out?: string;
}

export function parseArgs(argv: string[]): DiffArgs | string {
  const dirs: string[] = [];
  const allows: string[] = [];
  let base: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === '--base') base = value();
      else if (arg === '--allow-destroy') allows.push(value());
      else if (arg === '--allow-from') allows.push(...allowsFrom(readFileSync(value(), 'utf8')));
      else if (arg === '--out') out = value();
      else if (arg.startsWith('--')) return `unknown option ${arg} (allowed: --base, --allow-destroy, --allow-from, --out)`;
      else dirs.push(arg);
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (base !== undefined ? dirs.length > 0 : dirs.length !== 2) {
    return 'usage: npm run diff -- --base <git ref> | <base dir> <head dir> [--allow-destroy <stack>[:<address>]] [--allow-from <file>] [--out <file>]';
  }
  return { base, dirs, allows, out };
}

/** `allow-destroy: <address>` lines of a pull-request description. */
export function allowsFrom(text: string): string[] {
  return [...text.matchAll(/^\s*allow-destroy:\s*(\S+)\s*$/gim)].map((m) => m[1]);
}

// ---------------------------------------------------------------- Markdown

function short(value: unknown): string {
  const text = value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE - 1)}…` : flat;
}

/** Two long strings, each shown from a little before where they first differ. */
function shortPair(before: unknown, after: unknown): [string, string] {
  if (typeof before !== 'string' || typeof after !== 'string') return [short(before), short(after)];
  let first = 0;
  while (first < before.length && before[first] === after[first]) first++;
  const from = Math.max(0, first - 20);
  const cut = (text: string) => (from > 0 ? `…${short(text.slice(from))}` : short(text));
  return [cut(before), cut(after)];
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** The action as a word in code: a bare `-` or `+` would turn into a nested Markdown list. */
const ACTION = { add: '`add    `', change: '`change `', replace: '`replace`', remove: '`remove `', forget: '`forget `' } as const;

function resourceLine(stack: StackDiff, r: ResourceChange, allows: readonly string[]): string {
  const sign = ACTION[r.action];
  const flag = r.destructive
    ? ` — **destructive${isAllowed(`${stack.id}:${r.address}`, allows) ? ' (allowed)' : ''}**: ${r.destructive}`
    : '';
  const fields = r.fields.slice(0, 3).map((f) => {
    const [before, after] = shortPair(f.before, f.after);
    return `${code(f.path)} ${code(before)} → ${code(after)}`;
  });
  const more = r.fields.length > 3 ? `, and ${r.fields.length - 3} more fields` : '';
  return `- ${sign} ${code(r.path)} (${code(r.address)})${fields.length > 0 ? `: ${fields.join(', ')}${more}` : ''}${flag}`;
}

export function renderMarkdown(diff: SynthDiff, allows: readonly string[], title: string): string {
  const destructive = destructiveAddresses(diff);
  const blocked = destructive.filter((a) => !isAllowed(a, allows));
  const changed = diff.stacks.filter((s) => s.status !== 'unchanged');
  const lines = [`## ${title}`, ''];
  if (changed.length === 0) return `${[...lines, 'No stack changes.'].join('\n')}\n`;
  if (blocked.length > 0) {
    lines.push(
      `**⚠ ${blocked.length} destructive change(s) need an explicit allow.** Review them, then add a line per address to the pull request description:`,
      '',
      '```',
      ...blocked.map((a) => `allow-destroy: ${a}`),
      '```',
      '',
    );
  } else if (destructive.length > 0) {
    lines.push(`Destructive changes, all allowed: ${destructive.map(code).join(', ')}`, '');
  }
  lines.push('| stack | added | changed | replaced | removed | destructive |', '| --- | ---: | ---: | ---: | ---: | --- |');
  for (const s of changed) {
    const count = (action: ResourceChange['action']) => s.resources.filter((r) => r.action === action).length;
    const status = s.status === 'changed' ? '' : ` (stack ${s.status})`;
    const own = destructiveAddresses({ stacks: [s] });
    const flag = own.length === 0 ? '' : own.every((a) => isAllowed(a, allows)) ? 'allowed' : '**yes**';
    // Forgotten resources leave the stack too, but stay on the cluster.
    lines.push(
      `| ${code(s.id)}${status} | ${count('add')} | ${count('change')} | ${count('replace')} | ${count('remove') + count('forget')} | ${flag} |`,
    );
  }
  for (const s of changed) {
    lines.push('', `### ${s.id}${s.status === 'changed' ? '' : ` — stack ${s.status}`}`, '');
    if (s.status === 'removed') {
      lines.push(`**destructive${isAllowed(s.id, allows) ? ' (allowed)' : ''}**: ${s.destructive}.`);
      continue;
    }
    if (s.status === 'added') {
      lines.push(`New stack with ${s.resourceCount} resources (deploy it after the stacks it depends on).`);
      continue;
    }
    for (const setting of s.destructiveSettings ?? []) {
      lines.push(
        `**destructive${isAllowed(setting.address, allows) ? ' (allowed)' : ''}** (${code(setting.address)}): ${setting.reason}.`,
        '',
      );
    }
    for (const f of s.settings) lines.push(`- ${ACTION.change} ${code(f.path)} ${code(short(f.before))} → ${code(short(f.after))}`);
    const ordered = [...s.resources].sort((a, b) => Number(Boolean(b.destructive)) - Number(Boolean(a.destructive)));
    for (const r of ordered.slice(0, MAX_LINES_PER_STACK)) lines.push(resourceLine(s, r, allows));
    if (ordered.length > MAX_LINES_PER_STACK) lines.push(`- … and ${ordered.length - MAX_LINES_PER_STACK} more`);
  }
  return fitComment(lines);
}

/** GitHub refuses comments over 65,536 characters: cut at a line, and say where the rest is. */
export const MAX_COMMENT = 60_000;

function fitComment(lines: string[]): string {
  const out: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > MAX_COMMENT - 200) {
      out.push('', `_… truncated at ${MAX_COMMENT} characters: the whole diff is in the CI job summary, or run npm run diff locally._`);
      break;
    }
    out.push(line);
    size += line.length + 1;
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- synthesis

function exec(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', (err) => done({ status: null, output: err.message }));
    child.on('close', (status) => done({ status, output }));
  });
}

/** Runs the app of the checkout at `root` into `<root>/<outName>`: the same depth as cdktf.out, so state paths read alike. */
async function synthAt(root: string, outName: string): Promise<string> {
  const outdir = join(root, outName);
  const { FACTORY_CONFIG_DIR: _own, ...env } = process.env; // each side synthesizes its own config/
  const run = await exec(process.execPath, ['--import', 'tsx', 'main.ts'], root, { ...env, CDKTF_OUTDIR: outdir });
  if (run.status !== 0) throw new Error(`synth of ${root} failed:\n${run.output}`);
  return outdir;
}

async function synthBoth(ref: string, repo: string): Promise<{ base: string; head: string; cleanup: () => Promise<void>; note?: string }> {
  const worktree = mkdtempSync(join(tmpdir(), 'factory-diff-base-'));
  rmSync(worktree, { recursive: true });
  const added = await exec('git', ['worktree', 'add', '--detach', '--quiet', worktree, ref], repo);
  if (added.status !== 0) throw new Error(`cannot check out ${ref}: ${added.output.trim()}`);
  const headOut = `cdktf.out.diff-${process.pid}`;
  const cleanup = async () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    rmSync(join(repo, headOut), { recursive: true, force: true });
    await exec('git', ['worktree', 'remove', '--force', worktree], repo);
    rmSync(worktree, { recursive: true, force: true });
    await exec('git', ['worktree', 'prune'], repo);
  };
  // Interrupted: leave neither the worktree nor the head output behind.
  const interrupted = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', interrupted).on('SIGTERM', interrupted);
  try {
    symlinkSync(join(repo, 'node_modules'), join(worktree, 'node_modules'), 'dir');
    // Both run to the end before cleanup, even when one fails first.
    const [base, head] = await Promise.allSettled([synthAt(worktree, 'cdktf.out'), synthAt(repo, headOut)]);
    if (base.status === 'rejected') throw base.reason;
    if (head.status === 'rejected') throw head.reason;
    const lock = (dir: string) => (existsSync(join(dir, 'package-lock.json')) ? readFileSync(join(dir, 'package-lock.json'), 'utf8') : '');
    const note =
      lock(worktree) !== lock(repo)
        ? `package-lock.json differs from ${ref}: the base was synthesized with this checkout's dependencies`
        : undefined;
    return { base: base.value, head: head.value, cleanup, note };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(args);
    return 1;
  }
  const started = performance.now();
  let diff: SynthDiff;
  let title: string;
  let note: string | undefined;
  if (args.base !== undefined) {
    let synthesized: Awaited<ReturnType<typeof synthBoth>>;
    try {
      synthesized = await synthBoth(args.base, resolve('.'));
    } catch (err) {
      console.error((err as Error).message);
      return 1;
    }
    try {
      diff = diffSynthOutputs(synthesized.base, synthesized.head);
    } finally {
      await synthesized.cleanup();
    }
    title = `Synth diff: ${code(args.base)} → working tree`;
    note = synthesized.note;
  } else {
    const [baseDir, headDir] = args.dirs.map((d) => resolve(d));
    for (const dir of [baseDir, headDir]) {
      if (!existsSync(join(dir, 'manifest.json'))) {
        console.error(`${dir}: not a synth output (no manifest.json); run npm run synth, or pass --base <git ref>`);
        return 1;
      }
    }
    diff = diffSynthOutputs(baseDir, headDir);
    title = `Synth diff: ${code(args.dirs[0])} → ${code(args.dirs[1])}`;
  }
  const markdown = `${renderMarkdown(diff, args.allows, title)}${note ? `\n_${note}_\n` : ''}`;
  if (args.out) writeFileSync(args.out, markdown);
  process.stdout.write(markdown);
  const blocked = destructiveAddresses(diff).filter((a) => !isAllowed(a, args.allows));
  console.error(
    `diff: ${diff.stacks.filter((s) => s.status !== 'unchanged').length} stack(s) changed, ${blocked.length} destructive change(s) not allowed (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return blocked.length > 0 ? EXIT_DESTRUCTIVE : 0;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
