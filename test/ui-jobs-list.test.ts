// The jobs on the service, listed on the page in a real Chromium: one started by another
// client shows, and the job view replays it from its start.
import { describe, expect, it } from 'vitest';
import { kRunBrowserTests, launchBrowser, openPage, startPageService, waitForJobEnd, waitUntilReady } from './ui-helpers.js';

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
