/**
 * `npm run report`: the fleet report, one self-contained HTML page (charts and tables, no network),
 * from the config in FACTORY_CONFIG_DIR (default config/) into REPORT_OUTDIR (default
 * cdktf.out/report/); prints the page's path. Bad config prints one line per problem, as synth
 * does, and exits 1 without writing. `--screenshot <file.png>` (`npm run report:screenshot`)
 * then saves a full-page screenshot of it through headless Chromium.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_DIR } from '../config/loader';
import { formatProblem } from '../config/source';
import { DEFAULT_REPORT_DIR, writeReport } from './private/report';

const USAGE = 'usage: npm run report [-- --screenshot <file.png>]';

async function main(args: string[]): Promise<number> {
  let screenshot: string | undefined;
  try {
    screenshot = parseArgs({ args, options: { screenshot: { type: 'string' } } }).values.screenshot;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (screenshot !== undefined && !screenshot.endsWith('.png')) {
    console.error(`--screenshot ${screenshot}: not a .png file\n${USAGE}`);
    return 2;
  }
  const configDir = process.env.FACTORY_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const outDir = process.env.REPORT_OUTDIR ?? DEFAULT_REPORT_DIR;
  const result = writeReport(configDir, outDir);
  if (!result.ok) {
    for (const problem of result.problems) console.error(formatProblem(problem));
    console.error(`${result.problems.length} problem(s) in ${configDir}; no report was written.`);
    return 1;
  }
  console.log(result.file);
  if (screenshot) {
    // Loaded only here: the page itself needs no browser.
    const { screenshotReport } = await import('./private/report-browser');
    await screenshotReport(result.file, screenshot);
    console.log(screenshot);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
