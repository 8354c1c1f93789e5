// A job started from the page in a real Chromium: every result shows, failed rows are marked,
// the bar reaches 100 %, the chart draws; the worker-count comparison draws its bars.
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

describe.runIf(kRunBrowserTests)('a job on the page', () => {
  it('shows every result, marks the failed rows and reaches 100 %', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    const rows = 400;
    await fillJobForm(page, { handler: 'square', rows, workers: 2, malformed: true });
    await page.click('#job-start');
    expect(await waitForJobEnd(page)).toBe('completed');

    expect(await page.locator('#job-percent').textContent()).toBe('100 %');
    expect(await page.getAttribute('#job-progress', 'aria-valuenow')).toBe('100');
    expect(await page.locator('#job-done').textContent()).toBe('400 / 400');
    expect(await page.locator('#job-failed').textContent()).toBe('40');

    // One line per row, each once: squares for the numbers, a marked failure for every 10th row.
    const lines = await page.locator('#job-results tr').evaluateAll((trs) =>
      trs.map((tr) => [Number(tr.getAttribute('data-index')), tr.className, tr.textContent ?? ''] as const),
    );
    expect(lines).toHaveLength(rows);
    expect(new Set(lines.map(([index]) => index)).size).toBe(rows);
    for (const [index, className, text] of lines) {
      if (index % 10 === 9) {
        expect(className).toBe('failed');
        expect(text).toContain('TypeError');
      } else {
        expect(className).toBe('');
        expect(text).toBe(`${index}${index * index}`);
      }
    }
    expect(await page.locator('#job-state').textContent()).toMatch(/^Done: 400 rows in .*, 40 failed\.$/);
    expect(await page.locator('#job-chart canvas').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('shows the results in row order when asked', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    await fillJobForm(page, { handler: 'square', rows: 300, workers: 2, ordered: true });
    await page.click('#job-start');
    expect(await waitForJobEnd(page)).toBe('completed');
    const indexes = await page.locator('#job-results tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-index'))));
    expect(indexes).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(errors).toEqual([]);
  });

  it('cancels a running job', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    // About 1 ms a row on one worker: far longer than it takes to press Cancel.
    await fillJobForm(page, { handler: 'cpu', rows: 1_000_000, workers: 1 });
    await page.click('#job-start');
    await page.waitForFunction("document.querySelectorAll('#job-results tr').length > 0");
    await page.click('#job-cancel');
    expect(await waitForJobEnd(page)).toBe('cancelled');
    expect(await page.locator('#job-state').textContent()).toMatch(/^Cancelled after [\d,]+ of 1,000,000 rows\.$/);
    expect(errors).toEqual([]);
  });
});

describe.runIf(kRunBrowserTests)('the jobs on the service', () => {
  it('lists a job another client started, and shows it from its start', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    const response = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handler: 'square', rows: Array.from({ length: 250 }, (_, i) => i), workers: 2, ordered: true }),
    });
    expect(response.status).toBe(202);
    const { job_id: jobId } = (await response.json()) as { job_id: string };
    const row = page.locator(`#jobs-list tr[data-job="${jobId}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('square');
    await row.getByRole('button').click();
    expect(await waitForJobEnd(page)).toBe('completed');
    expect(await page.getAttribute('#job-progress', 'data-job-id')).toBe(jobId);
    const indexes = await page.locator('#job-results tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-index'))));
    expect(indexes).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(await page.locator('#job-percent').textContent()).toBe('100 %');
    await page.waitForFunction(`document.querySelector('#jobs-list tr[data-job="${jobId}"]').dataset.state === 'completed'`);
    expect(errors).toEqual([]);
  });
});

describe.runIf(kRunBrowserTests)('the worker-count comparison', () => {
  it('runs the job at 1, 2, 4, … workers up to the service\'s most and draws a bar for each, with the speed-up', { timeout: process.env.UPDATE_UI_SCREENSHOT === '1' ? 300_000 : 30_000 }, async () => {
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
});
