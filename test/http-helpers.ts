// Shared helpers of the HTTP tests: services on port 0 that are always closed, eric-api calls,
// raw sockets that read exactly what the server writes, and a spec-following event parser.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect } from 'vitest';
import { createService, type ServiceOptions } from 'eric-sse';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, in reverse order of registration. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A listening service on 127.0.0.1 and a free port, closed after the test; logs silenced. */
export async function startService(options: ServiceOptions = {}) {
  const app = createService({ logLevel: 'silent', ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  onCleanup(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return { app, port, base, ...ericApi(base, headers) };
}

/** eric-api's calls, as its Python clients make them, expecting success. */
export function ericApi(base: string, headers: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(base + path, init);
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBe(200);
    return JSON.parse(text);
  };
  return {
    call,
    createChannel: async (id?: string) =>
      ((await call('PUT', `/create${id === undefined ? '' : `?channel_id=${id}`}`)) as { channel_id: string }).channel_id,
    subscribe: async (channelId: string) =>
      ((await call('POST', `/subscribe?channel_id=${channelId}`)) as { listener_id: string }).listener_id,
    dispatch: (channelId: string, listenerId: string, type: string, payload?: unknown) =>
      call('POST', `/dispatch?channel_id=${channelId}&listener_id=${listenerId}`, { type, payload }),
    broadcast: (channelId: string, type: string, payload?: unknown) =>
      call('POST', `/broadcast?channel_id=${channelId}`, { type, payload }),
  };
}

/** One parsed server-sent event. */
export interface ParsedEvent {
  event: string;
  data: string;
  id: string;
}

/**
 * An incremental event-stream parser that follows the WHATWG spec as a browser does: lines
 * split on CRLF, CR or LF; `field: value` with one leading space stripped; comments ignored;
 * `data` lines joined with LF; an event dispatched on a blank line when it has data.
 */
export class EventStreamParser {
  readonly events: ParsedEvent[] = [];
  retry: number | undefined;
  comments = 0;
  #partial = '';
  #lastId = '';
  #type = '';
  #data: string[] = [];
  #pendingCR = false;

  /** Feeds more text; complete events are appended to `events`. */
  push(text: string): void {
    let chunk = text;
    // A CR at the end of the previous chunk may be half of a CRLF.
    if (this.#pendingCR && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#pendingCR = chunk.endsWith('\r');
    const lines = (this.#partial + chunk).split(/\r\n|\r|\n/);
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  /** What is buffered and not yet a complete event. */
  get rest(): string {
    return this.#data.length > 0 || this.#type !== '' ? `(incomplete event)${this.#partial}` : this.#partial;
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.events.push({ event: this.#type || 'message', data: this.#data.join('\n'), id: this.#lastId });
      this.#type = '';
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) {
      this.comments += 1;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}

/** Parses a whole event stream (see {@link EventStreamParser}). */
export function parseEventStream(text: string): { events: ParsedEvent[]; retry: number | undefined; comments: number; rest: string } {
  const parser = new EventStreamParser();
  parser.push(text);
  return { events: parser.events, retry: parser.retry, comments: parser.comments, rest: parser.rest };
}

/** A raw HTTP/1.1 connection: sends `request` and collects every byte the server writes. */
export async function rawConnection(port: number, request: string) {
  const socket = net.createConnection({ host: '127.0.0.1', port });
  onCleanup(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  let received = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  closed.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  socket.write(request);
  return {
    socket,
    closed,
    text: () => received,
    /** Resolves once the received text satisfies `test` (rejects if the connection closes first). */
    async until(test: (text: string) => boolean): Promise<string> {
      while (!test(received)) {
        if (socket.destroyed) throw new Error(`connection closed; received ${received.length} characters, ending ${JSON.stringify(received.slice(-300))}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return received;
    },
  };
}

/** The head and the decoded body of a raw HTTP/1.1 answer (chunked transfer decoded). */
export function splitResponse(raw: string): { head: string; headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    let decoded = '';
    let rest = Buffer.from(body, 'utf8');
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd === -1) break;
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString(), 16);
      if (!Number.isFinite(size) || size === 0 || rest.length < lineEnd + 2 + size) break;
      decoded += rest.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8');
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = decoded;
  }
  return { head, headers, body };
}

/** A plain node:http server on port 0 with this handler, closed after the test. */
export async function plainServer(handler: http.RequestListener) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** A promise with its resolve function, for waiting on callbacks. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Events an `EventSource` received, with a way to wait for more. */
export class EventLog {
  readonly events: Array<{ type: string; data: string; id: string }> = [];
  readonly #waiters: Array<() => void> = [];
  errors = 0;

  /** Records events of these types from `source` (and counts its errors). */
  constructor(source: EventTarget, types: string[]) {
    for (const type of types) {
      source.addEventListener(type, (event) => {
        const { data, lastEventId } = event as unknown as { data: string; lastEventId: string };
        this.events.push({ type, data, id: lastEventId });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    }
    source.addEventListener('error', () => {
      this.errors += 1;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Resolves once `test` holds (checked after each event and error). */
  async until(test: (log: this) => boolean): Promise<void> {
    while (!test(this)) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}

/** Reads a stream with fetch; `until` waits for a number of events, `done` for its end. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new EventStreamParser();
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const resolve of waiters.splice(0)) resolve();
  };
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        wake();
      }
    } catch {
      // aborted by the test
    }
    ended = true;
    wake();
  })();
  return {
    events: () => parser.events,
    get ended() {
      return ended;
    },
    done: pump,
    abort: () => controller.abort(),
    async until(count: number) {
      while (parser.events.length < count) {
        if (ended) throw new Error(`stream ended after ${parser.events.length} events`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}
