import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freeAddressPlan, freeEndpoint, plan } from '../tools/add-country';
import { parseCidr, overlaps } from '../config/cidr';
import { FIXTURE_CONFIG_DIR, REPO, fleet, tempDir } from './util';

/** A project copy whose config is the fixture fleet. */
function project(): string {
  const root = join(tempDir('add-country-'), 'repo');
  for (const dir of ['config', 'tools', '.github']) cpSync(join(REPO, dir), join(root, dir), { recursive: true });
  for (const entry of ['fleet.yaml', 'sites']) {
    rmSync(join(root, 'config', entry), { recursive: true, force: true });
    cpSync(join(FIXTURE_CONFIG_DIR, entry), join(root, 'config', entry), { recursive: true });
  }
  // The fixture fleet's countries, whatever the live list holds.
  const schema = join(root, 'config', 'schema.ts');
  writeFileSync(
    schema,
    readFileSync(schema, 'utf8').replace(
      /export const COUNTRIES = \[[^\]]*\] as const;/,
      "export const COUNTRIES = ['CZ', 'LT', 'NL', 'PL', 'RO', 'ES'] as const;",
    ),
  );
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

describe('add-country', () => {
  test('picks address blocks and an endpoint no site of the fleet uses', () => {
    const f = fleet();
    const planned = Object.values(freeAddressPlan(f)).map(parseCidr);
    for (const block of planned) {
      for (const site of f.sites)
        for (const used of Object.values(site.interconnect.addressPlan)) expect(overlaps(block, parseCidr(used))).toBe(false);
    }
    expect(f.sites.flatMap((s) => s.interconnect.uplinks.map((u) => u.endpoint))).not.toContain(freeEndpoint(f));
  });

  test('refuses a bad code, an existing country and a city that makes no id, changing nothing', () => {
    const root = project();
    const snapshot = () =>
      ['config/schema.ts', 'config/fleet.yaml', '.github/CODEOWNERS']
        .map((f) => readFileSync(join(root, f), 'utf8'))
        .concat(readdirSync(join(root, 'config', 'sites')).join());
    const before = snapshot();
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'tools/add-country.ts', 'es', 'Madrid'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('add-country: config/sites/es.yaml already exists\n');
    expect(snapshot()).toEqual(before);
    expect(plan(root, 'fin', 'Kajaani', 'CSC', new Date())).toBe('"fin" is not a two-letter country code (ISO 3166-1 alpha-2, e.g. fi)');
    expect(plan(root, 'es', 'Madrid', 'BSC', new Date())).toBe('config/sites/es.yaml already exists');
    expect(plan(root, 'fi', '---', 'CSC', new Date())).toMatch(/^"---" does not make a site id/);
  });

  test('scaffolds a site that validates, in a wave, in the schema and in CODEOWNERS', () => {
    const root = project();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/add-country.ts', 'fi', 'Kajaani', '--operator', 'CSC #1 - IT Center for Science'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^added fi-kajaani: /);
    expect(run.stdout).toContain(`${fleet().sites.length + 1} sites`);
    const site = (
      parse(readFileSync(join(root, 'config', 'sites', 'fi.yaml'), 'utf8')) as { sites: { id: string; cluster: { kubeContext: string } }[] }
    ).sites[0];
    expect(site).toMatchObject({
      id: 'fi-kajaani',
      operator: 'CSC #1 - IT Center for Science',
      cluster: { kubeContext: 'fi-kajaani-admin' },
    });
    expect(readFileSync(join(root, 'config', 'fleet.yaml'), 'utf8')).toMatch(/sites: \[[^\]]*, fi-kajaani\]\n/);
    expect(readFileSync(join(root, '.github', 'CODEOWNERS'), 'utf8')).toContain('/config/sites/fi.yaml   @ai-factories/ops-fi\n');
    expect(readFileSync(join(root, 'config', 'schema', 'sites.schema.json'), 'utf8')).toContain('"FI"');
    const validate = spawnSync(process.execPath, ['--import', 'tsx', 'tools/validate.ts'], { cwd: root, encoding: 'utf8' });
    expect(validate.status).toBe(0);
  });
});
