/**
 * `npm run bench`: performance checks as ratios measured in one run (machines here are noisy).
 *  - validate: loading and checking the six sites' config, against a minimal cdktf app's synth;
 *    its own work must stay under a second.
 *  - synth: the whole fleet against the minimal app.
 *  - linearity: a fleet four times the size must cost at most ~4x (limit 6x), never quadratic.
 *  - diff: `npm run diff -- --base HEAD` (base synthesized in a worktree) against one synth
 *    command, both as processes; limit 2.5x.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'cdktf/lib/app';
import { TerraformStack } from 'cdktf/lib/terraform-stack';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { loadFleet, type Fleet, type Site } from '../config';
import { buildFleet } from '../stacks/fleet';

const VALIDATE_LIMIT_MS = 1000;
const LINEARITY_LIMIT = 6;
const DIFF_LIMIT = 2.5;

function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function synthInto(build: (app: App) => void): void {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-'));
  try {
    const app = new App({ outdir });
    build(app);
    app.synth();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function minimalApp(app: App): void {
  const stack = new TerraformStack(app, 'minimal');
  new KubernetesProvider(stack, 'kubernetes', { configContext: 'bench' });
  new NamespaceV1(stack, 'namespace', { metadata: { name: 'bench' } });
}

/** The fleet with every site copied `times` times under new ids and address plans. */
function scaled(fleet: Fleet, times: number): Fleet {
  const sites: Site[] = [];
  for (let copy = 0; copy < times; copy++) {
    for (const site of fleet.sites) sites.push({ ...site, id: `${site.id}${copy ? `-${copy}` : ''}` });
  }
  return { ...fleet, sites };
}

const loaded = loadFleet(process.env.FACTORY_CONFIG_DIR ?? 'config');
if (!loaded.ok) throw new Error('config is invalid: run npm run validate');
const fleet = loaded.fleet;

synthInto(minimalApp); // warm up module loading before timing anything
const baselineMs = median(5, () => synthInto(minimalApp));
const validateMs = median(5, () => loadFleet('config'));
const fleetMs = median(3, () => synthInto((app) => buildFleet(app, fleet)));
const fleet4Ms = median(3, () => synthInto((app) => buildFleet(app, scaled(fleet, 4))));
const linearity = fleet4Ms / fleetMs;

/** Wall time of a command, in ms; throws when it fails. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (run.status !== 0 && !(args[0] === 'tools/diff.ts' && run.status === 2)) throw new Error(`${args.join(' ')} failed:\n${run.stderr}`);
  return performance.now() - started;
}
const synthOut = mkdtempSync(join(tmpdir(), 'bench-synth-'));
const synthCommandMs = median(3, () => timed(['main.ts'], { CDKTF_OUTDIR: join(synthOut, 'cdktf.out') }));
rmSync(synthOut, { recursive: true, force: true });
const diffMs = median(3, () => timed(['tools/diff.ts', '--base', 'HEAD']));
const diffRatio = diffMs / synthCommandMs;

const rows = [
  ['minimal cdktf app synth (baseline)', baselineMs, 1],
  ['validate six sites', validateMs, validateMs / baselineMs],
  ['synth fleet (6 sites)', fleetMs, fleetMs / baselineMs],
  ['synth fleet x4 (24 sites)', fleet4Ms, fleet4Ms / baselineMs],
  ['npm run synth (process)', synthCommandMs, synthCommandMs / baselineMs],
  ['npm run diff -- --base HEAD (process)', diffMs, diffMs / baselineMs],
] as const;
for (const [name, ms, ratio] of rows)
  console.log(`${name.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms  ${ratio.toFixed(2).padStart(7)}x baseline`);
console.log(`linearity: 4x the sites costs ${linearity.toFixed(2)}x (limit ${LINEARITY_LIMIT}x)`);
console.log(`diff: ${diffRatio.toFixed(2)}x one synth (limit ${DIFF_LIMIT}x)`);

const failures = [
  validateMs > VALIDATE_LIMIT_MS && `validate took ${validateMs.toFixed(0)} ms, over ${VALIDATE_LIMIT_MS} ms`,
  linearity > LINEARITY_LIMIT && `synth grew ${linearity.toFixed(2)}x for 4x the sites, over ${LINEARITY_LIMIT}x`,
  diffRatio > DIFF_LIMIT && `the diff took ${diffRatio.toFixed(2)}x one synth, over ${DIFF_LIMIT}x`,
].filter(Boolean);
for (const failure of failures) console.error(`FAIL: ${failure}`);
process.exitCode = failures.length ? 1 : 0;
