/**
 * `npm run ledger -- --site <id> --month YYYY-MM (--prometheus <url> | --input <result.json>) [--out <file.csv>]`
 *
 * The usage ledger of one site and month as CSV: GPU-hours, facility energy (kWh) and carbon
 * (kg CO2e) per tenant and programme. Either queries the site's Prometheus (`/api/v1/query` at the
 * end of the month) or converts a saved query result; `--query` prints the query for curl. Exit 0
 * with the CSV, 1 with one line saying what is wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ledgerCoverage, ledgerCsv, ledgerPeriod, ledgerQuery, type QueryResponse } from './private/ledger';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      site: { type: 'string' },
      month: { type: 'string' },
      prometheus: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      query: { type: 'boolean' },
    },
  });
  if (!values.month) throw new Error('--month is required (YYYY-MM)');
  const period = ledgerPeriod(values.month);
  if (!values.query && period.end.getTime() > Date.now()) {
    throw new Error(`${period.month} is not over yet (ends ${period.end.toISOString()}): a ledger covers whole months`);
  }
  const query = ledgerQuery(`${period.days}d`);
  if (values.query) {
    console.log(query);
    console.log(`# evaluate at time=${period.end.toISOString()}`);
    return;
  }
  if (!values.site) throw new Error('--site is required (the site id the Prometheus belongs to)');
  if (Boolean(values.prometheus) === Boolean(values.input)) throw new Error('give exactly one of --prometheus <url> and --input <file>');

  let response: QueryResponse;
  if (values.input) {
    response = JSON.parse(readFileSync(values.input, 'utf8')) as QueryResponse;
  } else {
    const url = new URL('/api/v1/query', values.prometheus);
    url.searchParams.set('query', query);
    url.searchParams.set('time', String(period.end.getTime() / 1000));
    const answer = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    response = (await answer.json().catch(() => ({ status: 'error', error: `HTTP ${answer.status}` }))) as QueryResponse;
  }
  const csv = ledgerCsv(response, period, values.site);
  const coverage = ledgerCoverage(response, period);
  if (coverage < 0.99) {
    console.error(
      `ledger: warning: the accounting rules ran ${(coverage * 100).toFixed(1)} % of ${period.month}'s minutes (Prometheus down, restarted or short of retention): the totals undercount`,
    );
  }
  if (values.out) {
    writeFileSync(values.out, csv);
    console.error(`ledger: ${values.out}`);
  } else {
    process.stdout.write(csv);
  }
}

main().catch((error: unknown) => {
  console.error(`ledger: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
