/** How the service answers failures: JSON `{"message": ...}` with the right status. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidChannelException, InvalidListenerException, InvalidMessageFormat, RepositoryError } from '../../engine/errors.js';

/**
 * Maps an error to its answer: an unknown channel or listener is 404, a malformed message 400,
 * a failed validation 400 naming the field (Fastify's message, e.g. `body must have required
 * property 'type'`), any other client error keeps its status (413 for a body over the limit,
 * 415 for an unsupported content type); the channels' store failing (Redis unreachable:
 * `RepositoryError`) is a logged 503 with its message; anything else is a logged 500.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof InvalidChannelException || error instanceof InvalidListenerException) {
    void reply.code(404).send({ message: error.message });
    return;
  }
  if (error instanceof InvalidMessageFormat || error.validation) {
    void reply.code(400).send({ message: error.message });
    return;
  }
  if (error instanceof RepositoryError) {
    request.log.error({ err: error }, 'channel store failed');
    void reply.code(503).send({ message: error.message });
    return;
  }
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    void reply.code(status).send({ message: error.message });
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply.code(500).send({ message: 'Internal server error' });
}

/** The answer to a route that does not exist: 404 naming the method and path. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send({ message: `No route ${request.method} ${request.url.split('?')[0]}` });
}
