// writeEventStream from plain node:http and node:http2: headers, retry first, framing of bad
// events, heartbeats, and prompt ends (client gone, signal, source done or failed).
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EventHistory, writeEventStream, type EventStreamResult, type StreamEvent, type WriteEventStreamOptions } from 'eric-sse';
import { deferred, onCleanup, parseEventStream, plainServer, rawConnection, splitResponse } from './http-helpers.js';

/** A source that hands out `events`, then waits until `return()` (which it records). */
function waitingSource(events: StreamEvent[] = []) {
  const returned = deferred();
  let i = 0;
  const iterator: AsyncIterableIterator<StreamEvent> = {
    next: () => (i < events.length ? Promise.resolve({ done: false, value: events[i++]! }) : returned.promise.then(() => ({ done: true, value: undefined }))),
    return: async () => {
      returned.resolve();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, returned: returned.promise };
}

/** A plain node:http server whose every request streams `source()` with `options`. */
async function streamingServer(source: () => AsyncIterable<StreamEvent>, options: WriteEventStreamOptions = {}) {
  const results: Array<Promise<EventStreamResult>> = [];
  const first = deferred<EventStreamResult>();
  const { port } = await plainServer((req, res) => {
    const result = writeEventStream(req, res, source(), options);
    results.push(result);
    if (results.length === 1) result.then(first.resolve, first.reject);
  });
  return { port, result: first.promise };
}

const kGet = (path = '/', extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
/** Whether a chunked response has ended (its last, empty chunk has come). */
const ended = (text: string): boolean => text.endsWith('\r\n0\r\n\r\n');

describe('writeEventStream over HTTP/1', () => {
  it('sends the event-stream headers, retry first, then the events', async () => {
    const { port } = await streamingServer(async function* () {
      yield { event: 'greeting', data: '{"to":"you"}', id: '1' };
      yield { data: 'line 1\nline 2' };
    });
    const client = await rawConnection(port, kGet());
    await client.until(ended); // the source ended, so did the response
    const { head, headers, body } = splitResponse(client.text());
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers.connection).toBe('keep-alive');
    expect(body).toBe('retry: 3000\n\nid: 1\nevent: greeting\ndata: {"to":"you"}\n\ndata: line 1\ndata: line 2\n\n');
  }, 10_000);

  it('sends no Connection: keep-alive to an HTTP/1.0 client', async () => {
    const { port } = await streamingServer(async function* () {
      yield { data: 'x' };
    });
    const client = await rawConnection(port, 'GET / HTTP/1.0\r\n\r\n');
    await client.closed;
    const { headers, body } = splitResponse(client.text());
    expect(headers.connection).not.toBe('keep-alive');
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(body).toBe('retry: 3000\n\ndata: x\n\n');
  });

  it('turns an event that cannot be framed into an _eric_error event and goes on', async () => {
    const { port } = await streamingServer(async function* () {
      yield { event: 'evil\ndata: injected\n\nevent: admin', data: '1' };
      yield { event: 'ok', data: '2', id: 'x\ny' };
      yield { event: 'fine', data: '3' };
    });
    const client = await rawConnection(port, kGet());
    await client.until(ended);
    const { events } = parseEventStream(splitResponse(client.text()).body);
    expect(events.map((e) => e.event)).toEqual(['_eric_error', '_eric_error', 'fine']);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ name: 'TypeError', type: 'evil\ndata: injected\n\nevent: admin' });
    expect(events[2]).toEqual({ event: 'fine', data: '3', id: '' });
  });

  it('sends heartbeat comments while idle', async () => {
    const source = waitingSource([{ data: 'first' }]);
    const { port } = await streamingServer(() => source.iterator, { heartbeatMs: 20 });
    const client = await rawConnection(port, kGet());
    await client.until((text) => parseEventStream(splitResponse(text).body).comments >= 3);
    expect(parseEventStream(splitResponse(client.text()).body).events).toEqual([{ event: 'message', data: 'first', id: '' }]);
  });

  it('notices a client that leaves while the source waits: ends the source and resolves', async () => {
    const source = waitingSource([{ data: 'first' }]);
    const { port, result } = await streamingServer(() => source.iterator, { heartbeatMs: 0 });
    const client = await rawConnection(port, kGet());
    await client.until((text) => text.includes('data: first'));
    client.socket.destroy();
    expect(await result).toEqual({ reason: 'client-closed', eventsWritten: 1 });
    await source.returned;
  });

  it('ends at once on its signal: the source is ended, the response ends normally', async () => {
    const source = waitingSource();
    const controller = new AbortController();
    const { port, result } = await streamingServer(() => source.iterator, { signal: controller.signal });
    const client = await rawConnection(port, kGet());
    await client.until((text) => text.includes('retry: 3000'));
    controller.abort();
    expect((await result).reason).toBe('aborted');
    await source.returned;
    await client.until(ended); // the last chunk: a clean end
  });

  it('a source that throws ends the response and reports the error', async () => {
    const { port, result } = await streamingServer(async function* () {
      yield { data: 'x' };
      throw new Error('boom');
    });
    const client = await rawConnection(port, kGet());
    const { reason, eventsWritten, error } = await result;
    expect({ reason, eventsWritten }).toEqual({ reason: 'failed', eventsWritten: 1 });
    expect((error as Error).message).toBe('boom');
    await client.until(ended);
  });

  it('with a history: ids from it, and Last-Event-ID (header over ?lastEventId=) replays what came after', async () => {
    const history = new EventHistory({ epoch: 'run1' });
    let n = 0;
    const { port } = await plainServer((req, res) => {
      const batch = [n++, n++].map((i) => ({ data: String(i) }));
      void writeEventStream(req, res, (async function* () { yield* batch; })(), {
        history,
        lastEventId: req.headers['last-event-id'] as string | undefined ?? new URL(req.url!, 'http://x').searchParams.get('lastEventId') ?? undefined,
      });
    });
    const read = async (request: string) => {
      const client = await rawConnection(port, request);
      await client.until(ended);
      return parseEventStream(splitResponse(client.text()).body).events.map((e) => `${e.id}=${e.data}`);
    };
    expect(await read(kGet())).toEqual(['run1-1=0', 'run1-2=1']);
    expect(await read(kGet('/', 'Last-Event-ID: run1-1\r\n'))).toEqual(['run1-2=1', 'run1-3=2', 'run1-4=3']);
    expect(await read(kGet('/?lastEventId=run1-3'))).toEqual(['run1-4=3', 'run1-5=4', 'run1-6=5']);
  });

  it('refuses bad options at once, naming them', () => {
    const source = waitingSource();
    expect(() => writeEventStream({} as never, {} as never, source.iterator, { retryMs: -1 })).toThrow(
      /retryMs must be an integer >= 0, got -1 \(number\)/,
    );
    expect(() => writeEventStream({} as never, {} as never, source.iterator, { heartbeatMs: '5' as never })).toThrow(
      /heartbeatMs must be an integer >= 0, got "5" \(string\)/,
    );
  });
});

describe('writeEventStream over HTTP/2 (compatibility API)', () => {
  it('streams events without connection headers, and notices the stream closing', async () => {
    const source = waitingSource([{ event: 'a', data: 'é\n€' }, { event: 'b', data: '2', id: '9' }]);
    const result = deferred<EventStreamResult>();
    const server = http2.createServer((req, res) => {
      writeEventStream(req, res, source.iterator).then(result.resolve, result.reject);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    onCleanup(async () => {
      session.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const stream = session.request({ ':path': '/' });
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers.connection).toBeUndefined();
    let text = '';
    stream.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: string) => {
        text += chunk;
        if (parseEventStream(text).events.length === 2) resolve();
      });
    });
    expect(parseEventStream(text)).toMatchObject({
      retry: 3000,
      events: [
        { event: 'a', data: 'é\n€', id: '' },
        { event: 'b', data: '2', id: '9' },
      ],
    });
    stream.close();
    expect((await result.promise).reason).toBe('client-closed');
    await source.returned;
  });
});
