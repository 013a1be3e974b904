/**
 * `npm run add-country -- <cc> <city> [--operator <name>]`: scaffolds a new country's site so it
 * validates at once: `config/sites/<cc>.yaml` with address blocks no other site uses, a unique
 * kube context and uplink endpoint, phase 1 and illustrative hardware; the country code in the
 * schema (and the regenerated JSON Schemas), the site in the last rollout wave, and the
 * country's ops team in CODEOWNERS. It then prints the fields the team must set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCidr, formatIpv4, overlaps, type Cidr } from '../config/cidr';
import { loadFleet } from '../config/loader';
import type { Fleet } from '../config/model';
import { formatProblem } from '../config/source';

const TEST_NETS = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].map(parseCidr);

export interface AddressPlan {
  rails: string;
  pods: string;
  services: string;
  storage: string;
}

/** Free 10.x.0.0/16 blocks: rails and pods get one each; services and storage share a third. */
export function freeAddressPlan(fleet: Fleet): AddressPlan {
  const used: Cidr[] = fleet.sites.flatMap((s) => Object.values(s.interconnect.addressPlan).map(parseCidr));
  const free: string[] = [];
  for (let octet = 0; octet < 256 && free.length < 3; octet++) {
    const block = parseCidr(`10.${octet}.0.0/16`);
    if (!used.some((u) => overlaps(u, block))) free.push(`10.${octet}`);
  }
  if (free.length < 3) throw new Error('10.0.0.0/8 has no three free /16 blocks left: pick the address plan by hand');
  return { rails: `${free[0]}.0.0/16`, pods: `${free[1]}.0.0/16`, services: `${free[2]}.0.0/20`, storage: `${free[2]}.16.0/20` };
}

/** A documentation-range (RFC 5737) address no uplink of the fleet uses, as a placeholder. */
export function freeEndpoint(fleet: Fleet): string {
  const used = new Set(fleet.sites.flatMap((s) => s.interconnect.uplinks.map((u) => u.endpoint)));
  for (const net of TEST_NETS) {
    for (let host = net.start + 10; host < net.end; host++) {
      const address = formatIpv4(host);
      if (!used.has(address)) return address;
    }
  }
  throw new Error('no free documentation address left for the uplink placeholder');
}

const addDays = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000).toISOString().slice(0, 10);

export function siteFile(opts: {
  cc: string;
  id: string;
  city: string;
  operator: string;
  plan: AddressPlan;
  endpoint: string;
  today: Date;
}): string {
  const { cc, id, city, operator, plan, endpoint, today } = opts;
  return `# yaml-language-server: $schema=../schema/sites.schema.json
# Owned by the ${cc.toUpperCase()} ops team (see CODEOWNERS). Scaffolded by npm run add-country: the
# address plan, kube context and endpoint are free across the fleet; the hardware, energy,
# storage and programme values are illustrative and must be replaced by the site's own.
country: ${cc.toUpperCase()}
sites:
  - id: ${id}
    city: ${JSON.stringify(city)}
    operator: ${JSON.stringify(operator)}
    focus: [deep-learning]
    phase: 1
    schedule:
      phase1: { start: ${addDays(today, 0)}, end: ${addDays(today, 90)} }
      phase2: { start: ${addDays(today, 100)}, end: ${addDays(today, 190)} }
    cluster: { kubeContext: ${id}-admin }
    energy: { budgetMW: 1.0, pue: 1.3, gridCarbonGPerKWh: 300 }
    nodePools:
      - name: h200
        gpu: H200-SXM-141GB
        gpusPerNode: 8
        nodes: 16
        nicsPerNode: 8
        racks: { count: 2, perBlock: 2 }
    interconnect:
      fabric: infiniband
      linkGbps: 400
      railsPerNode: 8
      addressPlan: { rails: ${plan.rails}, pods: ${plan.pods}, services: ${plan.services}, storage: ${plan.storage} }
      uplinks:
        - { name: nren, peer: NREN, gbps: 100, endpoint: ${endpoint} }
    storage:
      backend: rook-ceph
      tiers: { scratchTB: 200, datasetsTB: 800, checkpointsTB: 400, objectTB: 1000 }
      # Placeholder storage hosts: replace with the delivered ones (the loader checks they hold the tiers).
      hosts:
        count: 8
        devices: { perHost: 24, sizeTB: 61.44, deviceClass: nvme, deviceFilter: '^nvme[0-9]+n1$' }
    programmes:
      academic: { gpus: 64 }
      industrial: { gpus: 32 }
      sme: { gpus: 16, subsidised: true }
`;
}

interface Edit {
  file: string;
  before: string;
  after: string;
}

/** The text edits, computed before anything is written: all of them apply, or none. */
export function plan(root: string, cc: string, city: string, operator: string, today: Date): { edits: Edit[]; siteId: string } | string {
  const code = cc.toLowerCase();
  if (!/^[a-z]{2}$/.test(code)) return `"${cc}" is not a two-letter country code (ISO 3166-1 alpha-2, e.g. fi)`;
  const citySlug = city
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const siteId = `${code}-${citySlug}`;
  if (!citySlug || siteId.length > 30)
    return `"${city}" does not make a site id (allowed: letters, digits, spaces; the id ${code}-<city> at most 30 characters)`;
  const configDir = join(root, 'config');
  const sitePath = join(configDir, 'sites', `${code}.yaml`);
  if (existsSync(sitePath)) return `config/sites/${code}.yaml already exists`;
  const loaded = loadFleet(configDir);
  if (!loaded.ok) return `the config has problems; fix them first:\n${loaded.problems.map(formatProblem).join('\n')}`;
  const fleet = loaded.fleet;

  const schemaPath = join(configDir, 'schema.ts');
  const schema = readFileSync(schemaPath, 'utf8');
  const countries = /export const COUNTRIES = \[([^\]]*)\] as const;/.exec(schema);
  if (!countries) return 'config/schema.ts has no COUNTRIES list in the expected form: add the code by hand';
  if (countries[1].includes(`'${code.toUpperCase()}'`))
    return `${code.toUpperCase()} is already in COUNTRIES (config/schema.ts) without a site file: add config/sites/${code}.yaml by hand, or remove the code first`;
  const fleetPath = join(configDir, 'fleet.yaml');
  const fleetText = readFileSync(fleetPath, 'utf8');
  const waveLines = [...fleetText.matchAll(/^( +sites: \[)([^\]]*)(\])$/gm)];
  const lastWave = waveLines.at(-1);
  if (!lastWave || lastWave.index === undefined)
    return 'config/fleet.yaml has no wave in the form "sites: [a, b]": add the site to a wave by hand';
  const ownersPath = join(root, '.github', 'CODEOWNERS');
  const owners = readFileSync(ownersPath, 'utf8');
  const lastSiteOwner = [...owners.matchAll(/^\/config\/sites\/\w+\.yaml.*$/gm)].at(-1);
  const ownerLine = `/config/sites/${code}.yaml   @ai-factories/ops-${code}`;

  return {
    siteId,
    edits: [
      {
        file: sitePath,
        before: '',
        after: siteFile({ cc: code, id: siteId, city, operator, plan: freeAddressPlan(fleet), endpoint: freeEndpoint(fleet), today }),
      },
      {
        file: schemaPath,
        before: schema,
        after: schema.replace(countries[0], `export const COUNTRIES = [${countries[1]}, '${code.toUpperCase()}'] as const;`),
      },
      {
        file: fleetPath,
        before: fleetText,
        after: `${fleetText.slice(0, lastWave.index)}${lastWave[1]}${lastWave[2]}, ${siteId}${lastWave[3]}${fleetText.slice(lastWave.index + lastWave[0].length)}`,
      },
      {
        file: ownersPath,
        before: owners,
        after:
          lastSiteOwner && lastSiteOwner.index !== undefined
            ? `${owners.slice(0, lastSiteOwner.index + lastSiteOwner[0].length)}\n${ownerLine}${owners.slice(lastSiteOwner.index + lastSiteOwner[0].length)}`
            : `${owners.trimEnd()}\n${ownerLine}\n`,
      },
    ],
  };
}

function main(argv: string[]): number {
  const operatorAt = argv.indexOf('--operator');
  const operator = operatorAt >= 0 ? argv[operatorAt + 1] : undefined;
  const [cc, ...cityWords] = argv.filter((_, i) => operatorAt < 0 || (i !== operatorAt && i !== operatorAt + 1));
  if (!cc || cityWords.length === 0 || (operatorAt >= 0 && !operator)) {
    console.error(
      'usage: npm run add-country -- <cc> <city> [--operator <name>]   e.g. npm run add-country -- fi Kajaani --operator "CSC - IT Center for Science"',
    );
    return 2;
  }
  const city = cityWords.join(' ');
  const root = process.cwd();
  const planned = plan(root, cc, city, operator ?? `${city} AI factory operator`, new Date());
  if (typeof planned === 'string') {
    console.error(`add-country: ${planned}`);
    return 1;
  }
  for (const edit of planned.edits) writeFileSync(edit.file, edit.after);
  const schema = spawnSync(process.execPath, ['--import', 'tsx', 'tools/schema.ts'], { cwd: root, encoding: 'utf8' });
  const validate = spawnSync(process.execPath, ['--import', 'tsx', 'tools/validate.ts'], { cwd: root, encoding: 'utf8' });
  if (schema.status !== 0 || validate.status !== 0) {
    for (const edit of planned.edits) writeFileSync(edit.file, edit.before);
    spawnSync(process.execPath, ['--import', 'tsx', 'tools/schema.ts'], { cwd: root });
    console.error(`add-country: the scaffold does not validate, nothing was changed:\n${schema.stderr}${validate.stderr}`);
    return 1;
  }
  const code = cc.toLowerCase();
  console.log(
    `added ${planned.siteId}: config/sites/${code}.yaml, the code ${code.toUpperCase()} in config/schema.ts (JSON Schemas regenerated), the last wave in config/fleet.yaml, @ai-factories/ops-${code} in .github/CODEOWNERS`,
  );
  console.log(`${validate.stdout.trim()}`);
  console.log(
    `now set in config/sites/${code}.yaml: operator, focus, schedule, energy (budgetMW, pue, gridCarbonGPerKWh), nodePools, interconnect (fabric, linkGbps, railsPerNode, the uplink's name, peer, gbps and real endpoint), storage tiers, programmes and tenants; keep the address plan and kube context unless the site already has its own (they are free across the fleet).`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
