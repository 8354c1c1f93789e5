// The servers the HTTP benchmark drives, all on loopback, port 0, in the benchmark's own
// process (the clients run in a child process, so the memory and CPU measured are the
// server's). Each broadcasts `{ seq, t }` (t: the broadcast's start, process.hrtime in µs,
// which the clients compare with their own clock: CLOCK_MONOTONIC is one clock per machine)
// as a `tick` event, and can "fill" one client's connection until a write returns false.
//
// - `eric-writer`: an SSEChannel broadcast, each client streamed by channelEvents +
//   writeEventStream (with an EventHistory, so every event carries an id, as the service's
//   do and as better-sse's do) on plain node:http;
// - `eric-service`: the full Fastify service (createService), GET /stream/C/L;
// - `better-sse`: better-sse 0.16's Channel broadcast to its sessions on plain node:http;
// - `writer-only`: writeEventStream fed by a trivial fan-out, no channel (the writer's share).
import http from 'node:http';
import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  ChannelRegistry,
  channelEvents,
  createService,
  EventHistory,
  lastEventIdOf,
  Message,
  MessageQueueListener,
  SSEChannel,
  sharedEvent,
  writeEventStream,
} from 'eric-sse';

const kFillChunk = 'x'.repeat(64 * 1024);
const kMaxFillBytes = 256 * 1024 * 1024;
const kBacklog = 4096;

/**
 * Loads a dependency of the benchmark only, from bench/http/deps/ (its own manifest, installed
 * by http.bench.js on first run), never from the library's dependencies.
 */
export const requireBenchDependency = createRequire(new URL('./deps/package.json', import.meta.url));

/** Microseconds on the machine's monotonic clock. */
export function nowUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The `tick` payload of broadcast `seq`. */
function tick(seq) {
  return { seq, t: nowUs() };
}

async function listen(server) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: kBacklog }, resolve);
  });
  return server.address().port;
}

/** Keeps each stream's response by client index (from the path's last segment). */
function trackResponses(server) {
  const responses = new Map();
  server.on('request', (req, res) => {
    const index = Number(req.url.slice(req.url.lastIndexOf('/') + 1));
    responses.set(index, res);
    res.once('close', () => {
      if (responses.get(index) === res) responses.delete(index);
    });
  });
  return responses;
}

/** Writes fillers to client `index` until its response buffers (write() returned false). */
async function fillUntilBlocked(responses, index, push) {
  const res = responses.get(index);
  if (!res) throw new Error(`fill: no open response for client ${index}`);
  for (let bytes = 0; !res.writableNeedDrain; bytes += kFillChunk.length) {
    if (bytes > kMaxFillBytes) throw new Error(`fill: client ${index} still reads after ${bytes} bytes`);
    await push();
    await nextTurn();
  }
}

function closeServer(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An SSEChannel broadcast, streamed by channelEvents + writeEventStream on node:http. */
export async function ericWriterServer() {
  const channel = new SSEChannel();
  const listeners = new Map();
  const server = http.createServer((req, res) => {
    const id = req.url.slice(req.url.lastIndexOf('/') + 1);
    const listener = new MessageQueueListener({ id });
    channel.registerListener(listener);
    listener.startSync();
    listeners.set(id, listener);
    const history = new EventHistory();
    void writeEventStream(req, res, channelEvents(channel, listener), { history, lastEventId: lastEventIdOf(req) }).then(async () => {
      listener.stopSync();
      listeners.delete(id);
      await channel.removeListener(id);
    });
  });
  const responses = trackResponses(server);
  const port = await listen(server);
  return {
    name: 'eric-writer',
    port,
    path: (i) => `/stream/${i}`,
    prepare: async () => undefined,
    streaming: () => listeners.size,
    broadcast: (seq) => channel.broadcast(new Message('tick', tick(seq))),
    fill: (i) => fillUntilBlocked(responses, i, () => channel.dispatch(String(i), new Message('fill', kFillChunk))),
    close: () => closeServer(server),
  };
}

/**
 * The writer alone, on node:http: writeEventStream (with an EventHistory) fed by the bench's
 * own minimal fan-out (one array and one waiting resolver per client) instead of a channel,
 * to tell the writer's cost from the channel's.
 */
export async function writerOnlyServer() {
  const sources = new Map();
  const server = http.createServer((req, res) => {
    const index = Number(req.url.slice(req.url.lastIndexOf('/') + 1));
    const source = { items: [], waiting: undefined, done: false };
    sources.set(index, source);
    const events = {
      next() {
        if (source.items.length > 0) return Promise.resolve({ done: false, value: source.items.shift() });
        if (source.done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (source.waiting = resolve));
      },
      async return() {
        source.done = true;
        source.waiting?.({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    void writeEventStream(req, res, events, { history: new EventHistory() }).then(() => sources.delete(index));
  });
  const push = (source, event) => {
    if (source.waiting) {
      const wake = source.waiting;
      source.waiting = undefined;
      wake({ done: false, value: event });
    } else source.items.push(event);
  };
  const responses = trackResponses(server);
  const port = await listen(server);
  return {
    name: 'writer-only',
    port,
    path: (i) => `/stream/${i}`,
    prepare: async () => undefined,
    streaming: () => sources.size,
    broadcast: async (seq) => {
      const event = sharedEvent({ event: 'tick', data: JSON.stringify(tick(seq)) });
      for (const source of sources.values()) push(source, event);
    },
    fill: (i) => fillUntilBlocked(responses, i, async () => push(sources.get(i), { event: 'fill', data: kFillChunk })),
    close: () => closeServer(server),
  };
}

/** The full service: Fastify, GET /stream/C/L, listeners registered beforehand as a client would. */
export async function ericServiceServer() {
  const channels = new ChannelRegistry();
  const channel = channels.add('bench');
  // warn: no log line per request (the service's default `info` writes one per stream).
  const app = createService({ channels, logLevel: 'warn' });
  const responses = trackResponses(app.server);
  await app.listen({ host: '127.0.0.1', port: 0, backlog: kBacklog });
  const port = app.server.address().port;
  return {
    name: 'eric-service',
    port,
    path: (i) => `/stream/bench/${i}`,
    prepare: async (first, count) => {
      for (let i = first; i < first + count; i += 1) {
        if (!channel.getListenerIds().includes(String(i))) channel.registerListener(new MessageQueueListener({ id: String(i) }));
      }
    },
    streaming: () => app.eric.streams.size,
    broadcast: (seq) => channel.broadcast(new Message('tick', tick(seq))),
    fill: (i) => fillUntilBlocked(responses, i, () => channel.dispatch(String(i), new Message('fill', kFillChunk))),
    close: () => app.close(),
  };
}

/** better-sse 0.16: sessions registered with a Channel, broadcast to all, on node:http. */
export async function betterSseServer() {
  const { createChannel, createSession } = requireBenchDependency('better-sse');
  const channel = createChannel();
  const sessions = new Map();
  const server = http.createServer(async (req, res) => {
    const index = Number(req.url.slice(req.url.lastIndexOf('/') + 1));
    const session = await createSession(req, res, { keepAlive: 15_000 });
    sessions.set(index, session);
    session.once('disconnected', () => sessions.delete(index));
    channel.register(session);
  });
  const responses = trackResponses(server);
  const port = await listen(server);
  return {
    name: 'better-sse',
    port,
    path: (i) => `/stream/${i}`,
    prepare: async () => undefined,
    streaming: () => channel.sessionCount,
    broadcast: async (seq) => {
      channel.broadcast(tick(seq), 'tick');
    },
    fill: (i) => fillUntilBlocked(responses, i, async () => sessions.get(i).push(kFillChunk, 'fill')),
    close: () => closeServer(server),
  };
}

/** A floor for memory: node:http responses held open after writing headers, nothing else. */
export async function bareHttpServer() {
  let open = 0;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('retry: 3000\n\n');
    open += 1;
    res.once('close', () => (open -= 1));
  });
  const port = await listen(server);
  return {
    name: 'bare node:http',
    port,
    path: (i) => `/stream/${i}`,
    prepare: async () => undefined,
    streaming: () => open,
    broadcast: async () => {
      throw new Error('bare node:http does not broadcast');
    },
    fill: async () => undefined,
    close: () => closeServer(server),
  };
}
