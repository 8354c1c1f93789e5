// Channels on the page in a real Chromium: the list follows the service, a listener's stream
// shows live (whatever its messages' types), and the page dispatches and broadcasts.
import { describe, expect, it } from 'vitest';
import { ericApi } from './http-helpers.js';
import { kRunBrowserTests, launchBrowser, openPage, startPageService, waitUntilReady } from './ui-helpers.js';

describe.runIf(kRunBrowserTests)('channels and listeners on the page', () => {
  it('lists channels made elsewhere, streams a listener live, dispatches and broadcasts', async () => {
    const { base } = await startPageService();
    const api = ericApi(base);
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);

    // A channel and listener created by another client appear by themselves.
    await api.createChannel('orders');
    const listenerId = await api.subscribe('orders');
    const row = page.locator(`#channel-list [data-channel="orders"] [data-listener="${listenerId}"]`);
    await row.waitFor();

    await row.getByRole('button', { name: 'Watch' }).click();
    await page.waitForFunction("document.querySelector('#watch-state').textContent.startsWith('Live')");

    // Messages of any type, from another client and from the page itself.
    await api.dispatch('orders', listenerId, 'order.created', { id: 7 });
    await page.selectOption('#send-target', JSON.stringify(['orders', listenerId]));
    await page.fill('#send-form input[name=type]', 'note');
    await page.fill('#send-form textarea[name=payload]', '"from the page"');
    await page.click('#send-form button[type=submit]');
    await page.selectOption('#send-target', JSON.stringify(['orders']));
    await page.fill('#send-form input[name=type]', 'announcement');
    await page.fill('#send-form textarea[name=payload]', '{"to": "everyone"}');
    await page.click('#send-form button[type=submit]');

    await page.waitForFunction("document.querySelectorAll('#watch-events li').length === 3");
    const events = await page.locator('#watch-events li').evaluateAll((items) =>
      items.map((li) => [li.querySelector('.type')?.textContent, li.querySelector('code')?.textContent]),
    );
    expect(events).toEqual([
      ['order.created', '{"id":7}'],
      ['note', '"from the page"'],
      ['announcement', '{"to":"everyone"}'],
    ]);

    // A payload that is not JSON is refused on the page, naming the problem.
    await page.fill('#send-form textarea[name=payload]', 'not json');
    await page.click('#send-form button[type=submit]');
    expect(await page.locator('#send-state').textContent()).toMatch(/^The payload is not JSON: "not json"/);

    // Removing the watched listener from the page ends the live view and updates the list.
    await row.getByRole('button', { name: /^Remove listener/ }).click();
    await row.waitFor({ state: 'detached' });
    expect(await page.locator('#watch-state').textContent()).toBe('Not watching. Pick a listener and press Watch.');
    expect(await api.call('GET', '/')).toEqual({ orders: [] });
    expect(errors).toEqual([]);
  });

  it('creates a channel with a listener and watches it', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    await page.fill('#channel-create input[name=channel_id]', 'demo');
    await page.keyboard.press('Enter');
    await page.waitForFunction("document.querySelector('#watch-state').textContent.startsWith('Live')");
    expect(await page.locator('#watch-title').textContent()).toMatch(/^Listener .* of demo$/);
    const map = (await ericApi(base).call('GET', '/')) as Record<string, string[]>;
    expect(Object.keys(map)).toEqual(['demo']);
    expect(map.demo).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
