// The page at /ui/: served by the service (and from the package), with uPlot from
// node_modules; it loads in a real Chromium with no console errors, at desktop and phone width.
import { describe, expect, it } from 'vitest';
import { kRunBrowserTests, launchBrowser, openPage, saveScreenshot, startPageService, waitUntilReady } from './ui-helpers.js';

/** GET `url` and read the answer through (an unread body would hold the connection open). */
async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe('the page\'s files over HTTP', () => {
  it('serves /ui/ as HTML, redirects /ui and a browser\'s GET / there, and serves uPlot', async () => {
    const { base } = await startPageService();
    const page = await fetch(`${base}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>');

    const bare = await fetch(`${base}/ui?token=t`, { redirect: 'manual' });
    await bare.arrayBuffer();
    expect([301, 302]).toContain(bare.status);
    expect(bare.headers.get('location')).toBe('/ui/?token=t');

    const root = await fetch(`${base}/`, { redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    await root.arrayBuffer();

    const script = await fetch(`${base}/ui/vendor/uplot/uPlot.esm.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain('export');
    const css = await fetch(`${base}/ui/vendor/uplot/uPlot.min.css`);
    expect(css.status).toBe(200);
    await css.arrayBuffer();
    // Only uPlot's two files, not the rest of its folder.
    expect(await statusOf(`${base}/ui/vendor/uplot/uPlot.cjs.js`)).toBe(404);
  });

  it('serves the page\'s files without the token, and nothing else', async () => {
    const { base } = await startPageService({ token: 'sesame' });
    expect(await statusOf(`${base}/ui/`)).toBe(200);
    const bare = await fetch(`${base}/ui?token=sesame`, { redirect: 'manual' });
    await bare.arrayBuffer();
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/ui/?token=sesame');
    expect(await statusOf(`${base}/ui/app.js`)).toBe(200);
    expect(await statusOf(`${base}/ui/vendor/uplot/uPlot.esm.js`)).toBe(200);
    expect(await statusOf(`${base}/channels`)).toBe(401);
    expect(await statusOf(`${base}/handlers`)).toBe(401);
  });

  it('can be left out: createService({ page: false })', async () => {
    const { base } = await startPageService({ page: false });
    expect(await statusOf(`${base}/ui/`)).toBe(404);
  });
});

describe.runIf(kRunBrowserTests)('the page in Chromium', () => {
  it('loads with no console errors and lists the handlers', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/`); // a browser's GET / is redirected to the page
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await waitUntilReady(page);
    expect(await page.locator('#handler option').allTextContents()).toEqual(['cpu', 'square', 'primes']);
    expect(await page.locator('#status').textContent()).toBe('Connected');
    await page.locator('#job-chart canvas').first().waitFor();
    expect(errors).toEqual([]);
  });

  it('is readable at phone width: nothing wider than the screen', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser({ width: 375, height: 740 });
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    await saveScreenshot(page, 'ui-phone');
    expect(errors).toEqual([]);
  });

  it('is keyboard usable: Tab reaches the job form and Enter starts a job', async () => {
    const { base } = await startPageService();
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await waitUntilReady(page);
    const focused: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      await page.keyboard.press('Tab');
      focused.push(String(await page.evaluate('document.activeElement.id || document.activeElement.textContent')));
    }
    expect(focused).toEqual(expect.arrayContaining(['handler', 'rows', 'workers']));
    await page.focus('#rows');
    await page.fill('#rows', '20');
    await page.keyboard.press('Enter'); // submits the form
    await page.waitForFunction("document.querySelector('#job-progress').dataset.state === 'completed'");
    expect(await page.locator('#job-results tr').count()).toBe(20);
    expect(errors).toEqual([]);
  });

  it('uses a token given as ?token= on the page URL, and drops it from the address bar', async () => {
    const { base } = await startPageService({ token: 'sesame' });
    const context = await launchBrowser();
    const { page, errors } = await openPage(context);
    await page.goto(`${base}/ui/?token=sesame`);
    await waitUntilReady(page);
    expect(page.url()).toBe(`${base}/ui/`);
    expect(errors).toEqual([]);
  });

  it('asks for the token when it has none, and goes on once it is given', async () => {
    const { base } = await startPageService({ token: 'sesame' });
    const context = await launchBrowser();
    const { page } = await openPage(context);
    await page.goto(`${base}/ui/`);
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.fill('#token-form input[name=token]', 'sesame');
    await page.keyboard.press('Enter');
    await waitUntilReady(page);
    expect(await page.locator('#token-form').isHidden()).toBe(true);
  });
});
