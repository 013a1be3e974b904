/**
 * Opens a report in headless Chromium through puppeteer-core, for the report's browser test and
 * the screenshot in docs/. It drives the system's Chromium (Debian's `chromium` package) and
 * never downloads a browser: the build machines reach no browser download site.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM_MISSING =
  'Chromium is missing: install it (Debian: sudo apt-get install -y chromium) or set PUPPETEER_EXECUTABLE_PATH to a Chromium or Chrome binary';

/** Width the report is looked at: charts and their tables side by side. */
export const VIEWPORT_WIDTH = 1440;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PUPPETEER_EXECUTABLE_PATH, else `chromium` or `chromium-browser` on the PATH (the names Debian and Ubuntu use). */
export function findChromium(): string | undefined {
  const override = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (override) return executable(override) ? override : undefined;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return ['chromium', 'chromium-browser'].flatMap((name) => dirs.map((dir) => join(dir, name))).find(executable);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  const override = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (!executablePath) throw new Error(override ? `PUPPETEER_EXECUTABLE_PATH=${override} is not an executable file` : CHROMIUM_MISSING);
  return puppeteer.launch({
    executablePath,
    headless: true,
    // Chromium refuses to start its sandbox as root (build machines and containers run as root).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

export interface OpenedReport {
  readonly page: Page;
  /** Every URL the page requested, the page itself included. */
  readonly requests: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
}

/** Opens a report file through file://, recording every request and every error from the start. */
export async function openReport(browser: Browser, file: string): Promise<OpenedReport> {
  const page = await browser.newPage();
  await page.setViewport({ width: VIEWPORT_WIDTH, height: 1000 });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    requests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => {
    errors.push(String(error));
  });
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  return { page, requests, errors };
}

/** A full-page PNG of the report; fails if the page requested anything beyond itself or logged an error. */
export async function screenshotReport(file: string, png: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const { page, requests, errors } = await openReport(browser, file);
    const outside = requests.filter((url) => !/^(file|data):/.test(url));
    if (outside.length || errors.length) throw new Error(`the report is not self-contained: ${[...outside, ...errors].join('; ')}`);
    mkdirSync(dirname(png), { recursive: true });
    await page.screenshot({ path: png as `${string}.png`, fullPage: true });
  } finally {
    await browser.close();
  }
}
