// The worker-count comparison on the page in a real Chromium: the same job at 1, 2, 4, …
// workers, bars with the speed-up; it can be stopped. Also writes the reference screenshot.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  fillJobForm,
  kRunBrowserTests,
  launchBrowser,
  openPage,
  saveScreenshot,
  startPageService,
  waitForJobEnd,
  waitUntilReady,
} from './ui-helpers.js';

describe.runIf(kRunBrowserTests)('the worker-count comparison', () => {
  it('runs the job at 1, 2, 4, … workers up to the service\'s most and draws a bar for each, with the speed-up', { timeout: process.env.UPDATE_UI_SCREENSHOT === '1' ? 300_000 : 60_000 }, async () => {
    const { base } = await startPageService({ jobs: { maxWorkers: 3 } });
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    // Bigger runs for the reference screenshot (UPDATE_UI_SCREENSHOT=1), so that the figures mean something.
    const updating = process.env.UPDATE_UI_SCREENSHOT === '1';
    await fillJobForm(page, { handler: 'cpu', rows: updating ? 3000 : 150, workers: 1 });
    await page.click('#compare-start');
    await page.waitForFunction("document.querySelector('#compare-bars').dataset.state === 'done'", null, { timeout: updating ? 120_000 : 25_000 });
    const bars = await page.locator('#compare-bars li').evaluateAll((items) =>
      items.map((li) => ({
        workers: Number(li.getAttribute('data-workers')),
        rate: Number(li.getAttribute('data-rate')),
        width: (li.querySelector('.fill') as { getBoundingClientRect(): { width: number } } | null)?.getBoundingClientRect().width ?? 0,
        text: li.textContent ?? '',
      })),
    );
    expect(bars.map((bar) => bar.workers)).toEqual([1, 2, 3]);
    for (const bar of bars) {
      expect(bar.rate).toBeGreaterThan(0);
      expect(bar.width).toBeGreaterThan(0);
      expect(bar.text).toMatch(/rows\/s \d+\.\d×$/);
    }
    expect(bars[0]!.text).toMatch(/1\.0×$/);
    expect(await page.locator('#compare-state').textContent()).toMatch(/^Best: \d workers?, \d+\.\d× the speed of 1\.$/);

    // The reference screenshot: a watched listener with a few messages, and a job run after
    // the comparison, so that every part shows.
    await page.fill('#channel-create input[name=channel_id]', 'demo');
    await page.click('#channel-create button[type=submit]');
    await page.waitForFunction("document.querySelector('#watch-state').textContent.startsWith('Live')");
    for (const [type, payload] of [['greeting', '{"hello": "world"}'], ['order.created', '{"id": 7, "items": 3}']] as const) {
      await page.fill('#send-form input[name=type]', type);
      await page.fill('#send-form textarea[name=payload]', payload);
      await page.click('#send-form button[type=submit]');
    }
    await page.waitForFunction("document.querySelectorAll('#watch-events li').length === 2");
    // primes: heavier rows as the job goes on (the chart shows it), every 10th row malformed.
    await fillJobForm(page, { handler: 'primes', rows: updating ? 12_000 : 600, workers: 3, malformed: true });
    await page.click('#job-start');
    expect(await waitForJobEnd(page, updating ? 120_000 : 25_000)).toBe('completed');
    await page.waitForTimeout(300); // the bar's last transition
    const shot = await saveScreenshot(page, 'ui-job');
    if (updating) {
      mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
      copyFileSync(shot, fileURLToPath(new URL('../docs/ui.png', import.meta.url)));
    }
    expect(errors).toEqual([]);
  });

  it('can be stopped mid-way: the running job is cancelled', async () => {
    const { base } = await startPageService({ jobs: { maxWorkers: 2 } });
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    await fillJobForm(page, { handler: 'cpu', rows: 1_000_000, workers: 1 });
    await page.click('#compare-start');
    await page.waitForFunction("document.querySelector('#service-figures').textContent.startsWith('1 running')");
    expect(await page.locator('#compare-start').textContent()).toBe('Stop comparison');
    await page.click('#compare-start');
    await page.waitForFunction("document.querySelector('#compare-bars').dataset.state === 'stopped'");
    expect(await page.locator('#compare-state').textContent()).toBe('Comparison stopped.');
    expect(await page.locator('#compare-start').textContent()).toBe('Compare worker counts');
    const jobs = (await (await fetch(`${base}/jobs`)).json()) as Array<{ state: string }>;
    expect(jobs.map((job) => job.state)).toEqual(['cancelled']);
    expect(errors).toEqual([]);
  });
});
