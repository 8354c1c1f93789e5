/** Bearer-token protection of every route of the service (a Fastify plugin). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Options of {@link bearerAuth}. */
export interface BearerAuthOptions {
  /** The token every request must carry. */
  token: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route also takes the token as the `token` query parameter: browsers' `EventSource`
     * cannot send an `Authorization` header. Set it on stream routes only (query strings
     * end up in logs and histories).
     */
    tokenInQuery?: boolean;
    /** The route needs no token (`GET /health`, for load balancers). */
    public?: boolean;
  }
}

const kBearer = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return kBearer.exec(header)?.[1];
  if (request.routeOptions.config.tokenInQuery) {
    const { token } = (request.query ?? {}) as { token?: unknown };
    if (typeof token === 'string') return token;
  }
  return undefined;
}

/**
 * Answers 401 `{"message": ...}` (with `WWW-Authenticate: Bearer`) to every request without
 * `Authorization: Bearer <token>` (or `?token=<token>` on routes that allow it), CORS
 * preflights and routes marked `config.public` excepted. Tokens are compared in constant time.
 */
export const bearerAuth = fp<BearerAuthOptions>(
  async (app: FastifyInstance, options: BearerAuthOptions) => {
    const expected = digest(options.token);
    app.addHook('onRequest', async (request, reply) => {
      if (request.method === 'OPTIONS' || request.routeOptions.config.public) return;
      const token = presentedToken(request);
      if (token !== undefined && timingSafeEqual(digest(token), expected)) return;
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="eric-sse"')
        .send({ message: 'Missing or wrong bearer token: send the header "Authorization: Bearer <token>" (streams also take ?token=<token>)' });
    });
  },
  { name: 'eric-sse-bearer-auth', fastify: '5.x' },
);
