/**
 * `npm run ledger`: the month's query sent to a stand-in Prometheus at the end of the month, its
 * answer as CSV; a saved result converted the same way; bad input refused with one line.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ledgerCoverage, ledgerCsv, ledgerPeriod, ledgerQuery, type QueryResponse } from '../tools/private/ledger';
import { REPO, tempDir } from './util';

jest.setTimeout(60_000);

const vector = (rows: [string, string, string, number][]): QueryResponse => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: rows.map(([measure, namespace, programme, v]) => ({
      metric: (namespace ? { measure, namespace, programme } : { measure }) as Record<string, string>,
      value: [1790000000, String(v)],
    })),
  },
});
const answer = vector([
  ['sampled_minutes', '', '', 44640],
  ['gpu_hours', 'upc-nlp', 'academic', 1234.5],
  ['energy_kwh', 'upc-nlp', 'academic', 987.654],
  ['co2e_kg', 'upc-nlp', 'academic', 118.52],
  ['gpu_hours', 'sme-call-2026-01', 'sme', 10],
  ['energy_kwh', 'sme-call-2026-01', 'sme', 8],
  ['co2e_kg', 'sme-call-2026-01', 'sme', 0.96],
]);

function ledger(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tools', 'ledger.ts'), ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('ledger', () => {
  test('a month is the calendar month in UTC, evaluated at the first moment of the next', () => {
    expect(ledgerPeriod('2026-10')).toEqual({ month: '2026-10', end: new Date('2026-11-01T00:00:00Z'), days: 31 });
    expect(ledgerPeriod('2028-02').days).toBe(29);
    expect(() => ledgerPeriod('2026-13')).toThrow('--month "2026-13" is not a month (allowed: YYYY-MM, e.g. 2026-10)');
  });

  test('the query integrates the per-minute series over the whole month', () => {
    const q = ledgerQuery('31d');
    expect(q).toContain('sum_over_time(tenant:gpus_allocated:sum[31d])');
    expect(q).toContain('sum_over_time(tenant:facility_power_watts:sum[31d])');
    expect(q).toContain('sum_over_time(tenant:carbon_grams_per_hour:sum[31d])');
    expect(q).not.toMatch(/:1h/);
  });

  test('CSV: one row per tenant, sorted by programme and tenant', () => {
    expect(ledgerCsv(answer, ledgerPeriod('2026-10'), 'es-barcelona')).toBe(
      [
        'month,site,programme,tenant,gpu_hours,energy_kwh,co2e_kg',
        '2026-10,es-barcelona,academic,upc-nlp,1234.50,987.654,118.520',
        '2026-10,es-barcelona,sme,sme-call-2026-01,10.00,8.000,0.960',
        '',
      ].join('\n'),
    );
    expect(() => ledgerCsv({ status: 'error', errorType: 'bad_data', error: 'parse error' }, ledgerPeriod('2026-10'), 'x')).toThrow(
      'Prometheus answered bad_data: parse error',
    );
  });

  describe('the command', () => {
    let server: Server;
    let url: string;
    const asked: URLSearchParams[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        const u = new URL(req.url ?? '/', 'http://x');
        asked.push(u.searchParams);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('queries the site’s Prometheus at the end of the month and writes the CSV', async () => {
      const out = join(tempDir('ledger-'), 'ledger.csv');
      const run = await ledger(['--site', 'es-barcelona', '--month', '2026-10', '--prometheus', url, '--out', out]);
      expect(run).toMatchObject({ status: 0, stderr: `ledger: ${out}\n` });
      expect(asked.at(-1)!.get('time')).toBe(String(Date.UTC(2026, 10, 1) / 1000));
      expect(asked.at(-1)!.get('query')).toBe(ledgerQuery('31d'));
      expect(readFileSync(out, 'utf8')).toContain('2026-10,es-barcelona,academic,upc-nlp,1234.50,987.654,118.520');
    });

    test('converts a saved result', async () => {
      const input = join(tempDir('ledger-'), 'result.json');
      writeFileSync(input, JSON.stringify(answer));
      const run = await ledger(['--site', 'es-barcelona', '--month', '2026-10', '--input', input]);
      expect(run.status).toBe(0);
      expect(run.stdout.split('\n')[1]).toBe('2026-10,es-barcelona,academic,upc-nlp,1234.50,987.654,118.520');
    });

    test('bad input: one line, exit 1, no CSV', async () => {
      const run = await ledger(['--site', 'es-barcelona', '--month', 'October']);
      expect(run).toEqual({ status: 1, stdout: '', stderr: 'ledger: --month "October" is not a month (allowed: YYYY-MM, e.g. 2026-10)\n' });
      const both = await ledger(['--site', 'x', '--month', '2026-10']);
      expect(both.stderr).toBe('ledger: give exactly one of --prometheus <url> and --input <file>\n');
      const future = await ledger(['--site', 'x', '--month', '2999-01', '--prometheus', url]);
      expect(future.stderr).toMatch(/^ledger: 2999-01 is not over yet \(ends 2999-02-01T00:00:00.000Z\): a ledger covers whole months\n$/);
    });

    test('a month the accounting rules did not fully cover is reported on stderr, with the CSV still written', async () => {
      const input = join(tempDir('ledger-'), 'result.json');
      writeFileSync(
        input,
        JSON.stringify(
          vector([
            ['sampled_minutes', '', '', 40000],
            ['gpu_hours', 'upc-nlp', 'academic', 1],
          ]),
        ),
      );
      const run = await ledger(['--site', 'es-barcelona', '--month', '2026-10', '--input', input]);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('2026-10,es-barcelona,academic,upc-nlp,1.00,0.000,0.000');
      expect(run.stderr).toMatch(/the accounting rules ran 89\.6 % of 2026-10's minutes/);
      expect(ledgerCoverage(answer, ledgerPeriod('2026-10'))).toBe(1);
    });
  });
});
