/** `GET /health` for load balancers, `GET /stats` (JSON, for the page) and `GET /metrics` (Prometheus). */
import type { FastifyPluginAsync } from 'fastify';
import { ServiceMetrics } from '../metrics.js';
import { serviceStats } from '../service-stats.js';

/** The monitoring routes, as one plugin. */
export const monitoringRoutes: FastifyPluginAsync = async (app) => {
  const metrics = new ServiceMetrics();
  const { closing } = app.eric;

  // Open even when the service has a token: load balancers probe without one.
  app.get('/health', { config: { public: true } }, async (_request, reply) =>
    closing.aborted ? reply.code(503).send({ status: 'closing' }) : reply.send({ status: 'ok' }),
  );
  app.get('/stats', async () => serviceStats(app.eric));
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render(await serviceStats(app.eric));
    return reply.type(metrics.contentType).send(text);
  });
};
