/**
 * `npm run providers:mirror -- <dir> [<platform> ...]`: downloads exactly the provider versions
 * the synthesized stacks pin into `<dir>`, laid out as a filesystem mirror, with
 * `terraform providers mirror`. Run it where the public registry is reachable, copy `<dir>` to the
 * deploy machine, and point Terraform at it (README, "Deploying without internet").
 * @see https://developer.hashicorp.com/terraform/cli/commands/providers/mirror
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { currentPlatform, pinnedProviders } from './private/providers';

/** The configuration `terraform providers mirror` reads: nothing but the pinned providers. */
export function mirrorConfiguration(): object {
  const required = Object.fromEntries(pinnedProviders().map((p) => [p.name, { source: p.address, version: p.version }]));
  return { terraform: { required_providers: required } };
}

function main(args: string[]): number {
  const [target, ...platforms] = args;
  if (!target) {
    console.error("usage: npm run providers:mirror -- <dir> [<platform> ...]   (platform default: this machine's, e.g. linux_amd64)");
    return 2;
  }
  // npm runs scripts from the package root: resolve against where the command was typed.
  const dir = resolve(process.env.INIT_CWD ?? process.cwd(), target);
  const work = mkdtempSync(join(tmpdir(), 'providers-mirror-'));
  try {
    writeFileSync(join(work, 'main.tf.json'), `${JSON.stringify(mirrorConfiguration(), null, 2)}\n`);
    const platformFlags = (platforms.length > 0 ? platforms : [currentPlatform()]).map((p) => `-platform=${p}`);
    const run = spawnSync('terraform', ['providers', 'mirror', ...platformFlags, dir], {
      cwd: work,
      stdio: 'inherit',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
    if (run.error) {
      console.error(`providers:mirror: the Terraform CLI could not be run (${run.error.message}); install Terraform and try again`);
      return 1;
    }
    if (run.status !== 0) {
      console.error(
        `providers:mirror: terraform providers mirror failed (exit ${run.status}); it downloads from the public registry, so run it on a machine with internet access and copy ${dir} to the deploy machine`,
      );
      return run.status ?? 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    `mirror ready in ${dir}: ${pinnedProviders()
      .map((p) => `${p.name} ${p.version}`)
      .join(', ')}`,
  );
  console.log(
    `on the deploy machine, point TF_CLI_CONFIG_FILE at a file containing:\n\nprovider_installation {\n  filesystem_mirror {\n    path = "${dir}"\n  }\n}\n`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
