// 1,000 malformed or random requests (methods, paths, ids, query strings, bodies, content
// types, broken HTTP): every answer is a 4xx (or a 2xx when the dice made a valid call), never
// a 5xx or a hang, and the service keeps serving.
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startService } from './http-helpers.js';

/** Sends raw bytes on a fresh connection; resolves with the status code (0 if none came). */
function rawStatus(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    let head = '';
    const finish = (): void => {
      socket.destroy();
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0));
    };
    socket.setTimeout(5000, finish); // a bound on a hang: a stream that never ends fails the test
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(head)) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.end(bytes);
  });
}

const kJunk = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('%', '%zz', '%00', '..', '../..', '%2F', 'é', '😀', ' ', '\t', 'a'.repeat(300), '', '?', '#', '{}', 'null'),
);
const kIds = fc.oneof(kJunk, fc.uuid());
const kMethod = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'FOO', 'CONNECT', 'TRACE', 'get');
const kPath = fc.oneof(
  fc.constantFrom('/create', '/subscribe', '/dispatch', '/broadcast', '/', '/channels', '/stream', '/listener', '/channel'),
  kIds.map((c) => `/channel/${encodeURIComponent(c)}`),
  fc.tuple(kIds, kIds).map(([c, l]) => `/listener/${encodeURIComponent(c)}/${encodeURIComponent(l)}`),
  fc.tuple(kIds, kIds).map(([c, l]) => `/stream/${encodeURIComponent(c)}/${encodeURIComponent(l)}`),
  kJunk.map((j) => `/${j}`),
);
const kQuery = fc.array(
  fc.tuple(fc.constantFrom('channel_id', 'listener_id', 'lastEventId', 'token', 'x', ''), fc.oneof(kIds, fc.constant('c'))),
  { maxLength: 4 },
).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));
const kBody = fc.oneof(
  fc.constant(''),
  fc.json(),
  fc.record({ type: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), payload: fc.jsonValue() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.string().map((s) => `{"type": ${s}`),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant('a=1&b=2'),
);
const kContentType = fc.constantFrom(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data', '', '*/*');

/** A request built from valid HTTP with random parts. */
const kRequest = fc
  .record({ method: kMethod, path: kPath, query: kQuery, body: kBody, contentType: kContentType, lie: fc.constantFrom(0, 0, 0, 1, 2) })
  .map(({ method, path, query, body, contentType, lie }) => {
    const payload = Buffer.from(body, 'latin1');
    // Sometimes a Content-Length that lies: too long a claim (over the limit), or too short.
    const length = lie === 1 ? 2_000_000 : lie === 2 ? Math.max(0, payload.length - 1) : payload.length;
    const headers = [`Host: x`, `Connection: close`, `Content-Length: ${length}`];
    if (contentType !== undefined) headers.push(`Content-Type: ${contentType}`);
    return Buffer.concat([Buffer.from(`${method} ${path}${query} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  });

/** Broken HTTP: random bytes, bad request lines, bad headers. */
const kBroken = fc.oneof(
  // Not blank lines only: HTTP lets a server skip empty lines before a request, so bytes that
  // are all CR and LF are no request at all, and closing without an answer is right.
  fc
    .uint8Array({ minLength: 1, maxLength: 300 })
    .filter((bytes) => bytes.some((byte) => byte !== 0x0a && byte !== 0x0d))
    .map((bytes) => Buffer.from(bytes)),
  fc.string().map((s) => Buffer.from(`GET /${s} HTTP/1.1\r\n\r\n`, 'utf8')),
  fc.string().map((s) => Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-${s}: ${s}\r\n\r\n`, 'utf8')),
  fc.constant(Buffer.from('GET / HTTP/9.9\r\n\r\n')),
  fc.constant(Buffer.from('POST /broadcast?channel_id=c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n')),
  fc.constant(Buffer.from(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)),
);

describe('fuzzing the service', () => {
  it('1,000 malformed or random requests: no 5xx, no hang, still serving', async () => {
    const service = await startService({ token: undefined });
    await service.createChannel('c');
    const listener = await service.subscribe('c');
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: kRequest }, { weight: 1, arbitrary: kBroken }), async (bytes) => {
        const status = await rawStatus(service.port, bytes);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        // Every request gets an answer (0 would be a connection dropped without one).
        expect(status >= 200 && status < 500, `status ${status} for ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`).toBe(true);
      }),
      { numRuns: 1000 },
    );
    const fourHundreds = [...statuses].filter(([s]) => s >= 400 && s < 500).reduce((n, [, count]) => n + count, 0);
    expect(fourHundreds).toBeGreaterThanOrEqual(900); // almost all were refused, as they should be
    // Still serving, channel and listener intact.
    expect(await service.call('GET', '/channels')).toEqual(expect.arrayContaining(['c']));
    await service.dispatch('c', listener, 'after', 1);
  });
});
