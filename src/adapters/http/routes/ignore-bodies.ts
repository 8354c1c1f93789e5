/** For routes that take no body: accept and ignore any, as eric-api does. */
import type { FastifyInstance } from 'fastify';

/**
 * Makes every route of this (encapsulated) scope accept a body of any content type and ignore
 * it, e.g. the empty form-encoded body some Python clients send with `PUT /create`. The body
 * limit still applies.
 */
export function ignoreBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}
