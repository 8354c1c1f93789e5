// Shared helpers of the page's tests: a real Chromium (Debian's package, driven by
// playwright-core: never a browser download), a service with the example job handlers, and
// a page that records its console errors.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createService, type ServiceOptions } from 'eric-sse';
import { onCleanup } from './http-helpers.js';

/** Debian's Chromium (another path with ERIC_SSE_CHROMIUM). */
export const kChromium = process.env.ERIC_SSE_CHROMIUM || '/usr/bin/chromium';

const kArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/**
 * Whether the browser tests run: Chromium is installed, or CI demands them (and then fails
 * without it). When they skip, `ui-global-setup.ts` says so, once for the whole run.
 */
export const kRunBrowserTests = existsSync(kChromium) || process.env.CI === 'true';

/** Where tests save screenshots (ignored by git). */
export const kArtifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

/** The example job handlers `npm start` serves. */
export const kExampleHandlers = {
  cpu: `${new URL('../examples/jobs/handlers.js', import.meta.url).href}#cpu`,
  square: `${new URL('../examples/jobs/handlers.js', import.meta.url).href}#square`,
  primes: `${new URL('../examples/jobs/handlers.js', import.meta.url).href}#primes`,
};

/** A listening service with the example handlers, on 127.0.0.1 (port 0 unless given), closed after the test. */
export async function startPageService(options: ServiceOptions = {}, port = 0) {
  const app = createService({ logLevel: 'silent', handlers: kExampleHandlers, ...options });
  await app.listen({ host: '127.0.0.1', port });
  onCleanup(() => app.close());
  const address = app.server.address() as AddressInfo;
  return { app, port: address.port, base: `http://127.0.0.1:${address.port}` };
}

/** Chromium with a fresh profile, closed (and its profile removed) after the test. */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  if (!existsSync(kChromium)) {
    throw new Error(`CI=true but ${kChromium} is missing: install it with apt-get install -y chromium`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'eric-sse-chromium-'));
  onCleanup(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: kChromium,
    headless: true,
    args: kArgs,
    viewport,
  });
  onCleanup(() => context.close());
  return context;
}

/** A page of `context` that records console errors and uncaught exceptions in `errors`. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  return { page, errors };
}

/** Saves a full-page screenshot as test/artifacts/NAME.png; resolves with its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(kArtifacts, { recursive: true });
  const path = join(kArtifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits until the page says it is connected and has listed the handlers. */
export async function waitUntilReady(page: Page): Promise<void> {
  // In-page predicates are strings: the tests' tsconfig has no DOM types.
  await page.waitForFunction("document.querySelector('#status').dataset.state === 'up'");
  await page.waitForFunction("document.querySelector('#handler').options.length > 0");
}

/** Fills the job form. */
export async function fillJobForm(page: Page, job: { handler: string; rows: number; workers: number; malformed?: boolean; ordered?: boolean }): Promise<void> {
  await page.selectOption('#handler', job.handler);
  await page.fill('#rows', String(job.rows));
  await page.fill('#workers', String(job.workers));
  await page.setChecked('#malformed', job.malformed ?? false);
  await page.setChecked('#ordered', job.ordered ?? false);
}

/** Waits until the job on the page has ended (its progress bar says how). */
export async function waitForJobEnd(page: Page, timeout = 25_000): Promise<string> {
  await page.waitForFunction("['completed', 'cancelled', 'failed'].includes(document.querySelector('#job-progress').dataset.state)", null, { timeout });
  return (await page.getAttribute('#job-progress', 'data-state')) ?? '';
}
