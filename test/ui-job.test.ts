// A job started from the page in a real Chromium: every result shows, failed rows are marked,
// the bar reaches 100 %, the chart draws; results in row order; cancel.
import { describe, expect, it } from 'vitest';
import { fillJobForm, kRunBrowserTests, launchBrowser, openPage, startPageService, waitForJobEnd, waitUntilReady } from './ui-helpers.js';

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
