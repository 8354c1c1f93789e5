/**
 * GET /ui/: the live page (plain HTML, CSS and ES modules, no build step) and the chart
 * library it imports, uPlot, served from this package's dependencies: nothing is fetched from
 * the internet. The page's files are public (they hold no data; the API calls they make carry
 * the token), so a service with a token still serves them to a browser that has none yet.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * Where the page's files are: `src/adapters/http/ui/`, which the package ships as it is (no
 * build step touches them). Found from `src/` (this module's sibling folder) or from `dist/`
 * (the same folder under the package's `src/`), so `tsc` alone builds a service that serves it.
 */
function pageRoot(): string {
  const candidates = [new URL('../ui/', import.meta.url), new URL('../../../../src/adapters/http/ui/', import.meta.url)];
  const found = candidates.find((url) => existsSync(new URL('index.html', url)));
  if (found === undefined) throw new Error(`eric-sse: the page's files are missing (looked in ${candidates.map((url) => fileURLToPath(url)).join(' and ')})`);
  return fileURLToPath(found);
}

/** uPlot's `dist/` folder (its ES module and stylesheet), resolved from this package. */
function uplotRoot(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

/** The page's URL prefix. */
export const kPagePrefix = '/ui/';

/**
 * Serves the page at `/ui/` (`/ui` redirects there) and uPlot at `/ui/vendor/uplot/`.
 * Files are revalidated on every load (`no-cache` + ETag), so a new version shows at once.
 */
export const uiRoutes: FastifyPluginAsync = async (app) => {
  // Every route of this plugin's scope is public (see the bearer-token hook).
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), public: true };
  });
  // The bare path, query kept (a `?token=` is for the page).
  app.get(kPagePrefix.slice(0, -1), async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(kPagePrefix + (query === -1 ? '' : request.url.slice(query)), 301);
  });
  await app.register(fastifyStatic, {
    root: pageRoot(),
    prefix: kPagePrefix,
    cacheControl: false,
    setHeaders: (res) => {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  await app.register(fastifyStatic, {
    root: uplotRoot(),
    prefix: `${kPagePrefix}vendor/uplot/`,
    decorateReply: false,
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
    cacheControl: false,
    setHeaders: (res) => res.setHeader('cache-control', 'public, max-age=3600'),
  });
};
