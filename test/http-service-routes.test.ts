// The service's eric-api routes over a real socket: answers, status codes and JSON errors,
// bodies eric-api ignores, the token and CORS.
import { describe, expect, it } from 'vitest';
import { createService } from 'eric-sse';
import { startService } from './http-helpers.js';

const kUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function request(base: string, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(base + path, { method, redirect: 'manual', ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

describe('eric-api routes', () => {
  it('create, subscribe, list, dispatch, broadcast, delete: answers as eric-api', async () => {
    const service = await startService();
    const { base } = service;
    expect((await request(base, 'GET', '/channels')).json()).toEqual([]);
    const first = await service.createChannel();
    expect(first).toMatch(kUuid);
    expect(await service.createChannel('mine')).toBe('mine');
    const l1 = await service.subscribe('mine');
    const l2 = await service.subscribe('mine');
    const l3 = await service.subscribe(first);
    expect(l1).toMatch(kUuid);
    expect((await request(base, 'GET', '/channels')).json()).toEqual([first, 'mine']);
    expect((await request(base, 'GET', '/')).json()).toEqual({ [first]: [l3], mine: [l1, l2] });
    expect(await service.dispatch('mine', l1, 'hello', { a: 1 })).toBeNull();
    expect(await service.broadcast('mine', 'news')).toBeNull();
    const channel = service.app.eric.channels.get('mine');
    expect(channel.getListenerIds()).toEqual([l1, l2]);
    const deleted = await request(base, 'DELETE', `/listener/mine/${l2}`);
    expect([deleted.status, deleted.text]).toEqual([200, 'null']);
    expect((await request(base, 'GET', '/')).json()).toEqual({ [first]: [l3], mine: [l1] });
    expect((await request(base, 'DELETE', '/channel/mine')).status).toBe(200);
    expect((await request(base, 'GET', '/channels')).json()).toEqual([first]);
  });

  it('PUT /create ignores bodies, as eric-api does (an empty form-encoded one included)', async () => {
    const { base } = await startService();
    const form = await request(base, 'PUT', '/create', { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(200);
    expect((form.json() as { channel_id: string }).channel_id).toMatch(kUuid);
    const json = await request(base, 'PUT', '/create', { body: '', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(200);
    const subscribe = await request(base, 'POST', `/subscribe?channel_id=${(json.json() as { channel_id: string }).channel_id}`, {
      body: 'a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(subscribe.status).toBe(200);
  });

  it('404 for an unknown channel or listener, on every route', async () => {
    const service = await startService();
    const { base } = service;
    await service.createChannel('c');
    const listener = await service.subscribe('c');
    const body = JSON.stringify({ type: 't' });
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, string, string | undefined, string]> = [
      ['POST', '/subscribe?channel_id=nope', undefined, 'No channel with id nope'],
      ['POST', `/dispatch?channel_id=nope&listener_id=${listener}`, body, 'No channel with id nope'],
      ['POST', '/dispatch?channel_id=c&listener_id=nope', body, 'No listener with id nope'],
      ['POST', '/broadcast?channel_id=nope', body, 'No channel with id nope'],
      ['GET', '/stream/nope/x', undefined, 'No channel with id nope'],
      ['GET', '/stream/c/nope', undefined, 'No listener with id nope'],
      ['DELETE', '/listener/c/nope', undefined, 'No listener with id nope'],
      ['DELETE', '/listener/nope/x', undefined, 'No channel with id nope'],
      ['DELETE', '/channel/nope', undefined, 'No channel with id nope'],
      ['GET', '/no/such/route', undefined, 'No route GET /no/such/route'],
    ];
    for (const [method, path, sent, message] of cases) {
      const answer = await request(base, method, path, sent === undefined ? {} : { body: sent, headers: json });
      expect([method, path, answer.status, answer.json()]).toEqual([method, path, 404, { message }]);
    }
  });

  it('400 naming the field for a malformed body or query; 409 for a taken channel id', async () => {
    const service = await startService();
    const { base } = service;
    await service.createChannel('c');
    const listener = await service.subscribe('c');
    const post = (path: string, body: string) => request(base, 'POST', path, { body, headers: { 'content-type': 'application/json' } });
    const dispatch = `/dispatch?channel_id=c&listener_id=${listener}`;
    const cases: Array<[Promise<{ status: number; json: () => unknown }>, string]> = [
      [post(dispatch, '{"payload": 1}'), "body must have required property 'type'"],
      [post(dispatch, '{"type": 42}'), 'body/type must be string'],
      [post(dispatch, '{"type": ""}'), 'body/type must NOT have fewer than 1 characters'],
      [post(dispatch, '{"type": "a\\nb"}'), 'body/type must match pattern "^[^\\r\\n]*$"'],
      [post(dispatch, '[1, 2]'), 'body must be object'],
      [post(dispatch, '{"type": '), "Body is not valid JSON but content-type is set to 'application/json'"],
      [post('/dispatch?channel_id=c', '{"type": "t"}'), "querystring must have required property 'listener_id'"],
      [post('/broadcast', '{"type": "t"}'), "querystring must have required property 'channel_id'"],
      [request(base, 'POST', '/subscribe'), "querystring must have required property 'channel_id'"],
      [request(base, 'PUT', '/create?channel_id=a%20b'), 'querystring/channel_id must match pattern "^[A-Za-z0-9._~-]{1,128}$"'],
    ];
    for (const [answer, message] of cases) {
      const { status, json } = await answer;
      expect({ status, body: json() }).toEqual({ status: 400, body: { message } });
    }
    const taken = await request(base, 'PUT', '/create?channel_id=c');
    expect({ status: taken.status, body: taken.json() }).toEqual({
      status: 409,
      body: { message: 'channel_id: a channel with id "c" already exists' },
    });
  });

  it('413 for a body over the limit (1 MiB by default, configurable)', async () => {
    const service = await startService();
    await service.createChannel('c');
    const big = JSON.stringify({ type: 't', payload: 'x'.repeat(1024 * 1024) });
    const answer = await request(service.base, 'POST', '/broadcast?channel_id=c', { body: big, headers: { 'content-type': 'application/json' } });
    expect({ status: answer.status, body: answer.json() }).toEqual({ status: 413, body: { message: 'Request body is too large' } });
    const small = await startService({ bodyLimit: 100 });
    await small.createChannel('c');
    const over = await request(small.base, 'POST', '/broadcast?channel_id=c', {
      body: JSON.stringify({ type: 't', payload: 'x'.repeat(100) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(over.status).toBe(413);
    expect(await small.broadcast('c', 't', 'fits')).toBeNull();
  });

  it('GET / redirects a client that prefers HTML to /ui/, and answers JSON to the others', async () => {
    const { base } = await startService();
    const browser = await request(base, 'GET', '/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/ui/');
    for (const accept of ['*/*', 'application/json', 'application/json, text/html;q=0.5']) {
      const answer = await request(base, 'GET', '/', { headers: { accept } });
      expect([accept, answer.status, answer.json()]).toEqual([accept, 200, {}]);
    }
  });

  it('refuses bad options at once, naming them', () => {
    expect(() => createService({ bodyLimit: 0 })).toThrow(/bodyLimit must be an integer >= 1, got 0 \(number\)/);
    expect(() => createService({ stream: { historySize: 0 } })).toThrow(/stream.historySize must be an integer >= 1/);
    expect(() => createService({ stream: { retryMs: -5 } })).toThrow(/stream.retryMs must be an integer >= 0, got -5/);
    expect(() => createService({ token: '' })).toThrow(/token must be a non-empty string, got "" \(string\)/);
    expect(() => createService({ logLevel: 'loud' as never })).toThrow(/logLevel must be one of .* got "loud" \(string\)/);
  });
});

describe('token and CORS', () => {
  it('with a token, every route needs the bearer header; streams also take ?token=', async () => {
    const service = await startService({ token: 's3cret' });
    const { base } = service;
    await service.createChannel('c'); // with the header: works
    const listener = await service.subscribe('c');
    for (const [method, path] of [
      ['GET', '/channels'],
      ['GET', '/'],
      ['PUT', '/create'],
      ['POST', '/subscribe?channel_id=c'],
      ['DELETE', '/channel/c'],
      ['GET', `/stream/c/${listener}`],
      ['GET', '/no/such/route'],
    ] as const) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }] as Array<Record<string, string>>) {
        const answer = await request(base, method, path, { headers });
        expect([method, path, answer.status]).toEqual([method, path, 401]);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="eric-sse"');
        expect((answer.json() as { message: string }).message).toMatch(/bearer token/);
      }
    }
    expect((await request(base, 'GET', '/channels?token=s3cret')).status).toBe(401); // not on plain routes
    await service.dispatch('c', listener, 'hello', 1);
    await service.dispatch('c', listener, '_eric_channel_closed');
    const stream = await request(base, 'GET', `/stream/c/${listener}?token=s3cret`);
    expect(stream.status).toBe(200);
    expect(stream.text).toContain('event: hello\ndata: 1\n');
    expect((await request(base, 'GET', '/channels', { headers: { authorization: 'bearer s3cret' } })).status).toBe(200);
  });

  it('CORS is off by default, and allows the given origin with --cors', async () => {
    const closed = await startService();
    const plain = await request(closed.base, 'GET', '/channels', { headers: { origin: 'https://app.example' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const preflightOff = await request(closed.base, 'OPTIONS', '/channels', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflightOff.headers.get('access-control-allow-origin')).toBeNull();

    const open = await startService({ cors: 'https://app.example', token: 't' });
    const preflight = await request(open.base, 'OPTIONS', '/broadcast?channel_id=c', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const allowed = await request(open.base, 'GET', '/channels', { headers: { origin: 'https://app.example', authorization: 'Bearer t' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const refused = await request(open.base, 'GET', '/channels', { headers: { origin: 'https://app.example' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example'); // the page can read the 401
    const other = await request(open.base, 'GET', '/channels', { headers: { origin: 'https://evil.example', authorization: 'Bearer t' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // The stream (written past Fastify, after hijack) carries the CORS headers too.
    const auth = { authorization: 'Bearer t', 'content-type': 'application/json' };
    await request(open.base, 'PUT', '/create?channel_id=c', { headers: { authorization: 'Bearer t' } });
    const l = (await request(open.base, 'POST', '/subscribe?channel_id=c', { headers: { authorization: 'Bearer t' } }).then((a) => a.json())) as {
      listener_id: string;
    };
    await request(open.base, 'POST', '/broadcast?channel_id=c', { headers: auth, body: JSON.stringify({ type: '_eric_channel_closed' }) });
    const stream = await request(open.base, 'GET', `/stream/c/${l.listener_id}?token=t`, { headers: { origin: 'https://app.example' } });
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });
});
