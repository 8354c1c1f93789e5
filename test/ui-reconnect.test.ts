// The page outlives the service: stopped and started again on the same port, the page says it
// lost the service, reconnects by itself, says so, and works again.
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createService } from 'eric-sse';
import { onCleanup } from './http-helpers.js';
import {
  fillJobForm,
  kExampleHandlers,
  kRunBrowserTests,
  launchBrowser,
  openPage,
  saveScreenshot,
  startPageService,
  waitForJobEnd,
  waitUntilReady,
} from './ui-helpers.js';

describe.runIf(kRunBrowserTests)('the page across a service restart', () => {
  it('says the service is away, reconnects by itself when it is back, and runs jobs again', async () => {
    // The first service is closed by the test itself, mid-way.
    const first = createService({ logLevel: 'silent', handlers: kExampleHandlers });
    await first.listen({ host: '127.0.0.1', port: 0 });
    let firstClosed = false;
    onCleanup(async () => {
      if (!firstClosed) await first.close();
    });
    const { port } = first.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;

    const context = await launchBrowser();
    const { page } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);

    // Watch a listener of a new channel: its stream is open when the service goes away.
    await page.fill('#channel-create input[name=channel_id]', 'before-restart');
    await page.click('#channel-create button[type=submit]');
    await page.waitForFunction("document.querySelector('#watch-state').textContent.startsWith('Live')");

    firstClosed = true;
    await first.close();
    await page.waitForFunction("document.querySelector('#status').dataset.state === 'down'");
    expect(await page.locator('#status').textContent()).toMatch(/^Service unreachable since .*: reconnecting…$/);
    expect(await page.locator('#job-start').isDisabled()).toBe(true);

    await startPageService({}, port);
    await page.waitForFunction("document.querySelector('#status').dataset.state === 'up'", null, { timeout: 15_000 });
    expect(await page.locator('#status').textContent()).toMatch(/^Reconnected: the service is back after \d+ s\.$/);
    // The new service has none of the old channels: the list says so, and so does the live view.
    await page.waitForFunction("document.querySelectorAll('#channel-list [data-channel]').length === 0");
    await page.waitForFunction("document.querySelector('#watch-state').textContent.startsWith('Stream ended: this listener no longer exists')", null, { timeout: 15_000 });

    await fillJobForm(page, { handler: 'square', rows: 100, workers: 1 });
    await page.click('#job-start');
    expect(await waitForJobEnd(page)).toBe('completed');
    expect(await page.locator('#job-results tr').count()).toBe(100);
    await saveScreenshot(page, 'ui-reconnected');
  });
});
