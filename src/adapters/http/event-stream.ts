/**
 * The event-stream writer: streams an async iterable of events to one HTTP client as
 * `text/event-stream`, for plain `node:http`, the HTTP/2 compatibility API, Express, or
 * Fastify (`reply.hijack()`, then `reply.raw`). Framework-agnostic: it only needs the Node
 * request/response pair.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { MESSAGE_TYPE_INTERNAL_ERROR } from '../../engine/message.js';
import { describeValue } from '../../engine/validation.js';
import type { EventHistory } from './event-history.js';
import { formatComment, formatEvent, formatRetry, type StreamEvent } from './sse-format.js';

/** A request the writer serves: HTTP/1 or the HTTP/2 compatibility API. */
export type EventStreamRequest = IncomingMessage | Http2ServerRequest;
/** A response the writer writes to: HTTP/1 or the HTTP/2 compatibility API. */
export type EventStreamResponse = ServerResponse | Http2ServerResponse;

/** Options of {@link writeEventStream}. */
export interface WriteEventStreamOptions {
  /**
   * The reconnection time sent once, first (`retry:`), in milliseconds: how long a browser
   * waits before it reconnects after the connection drops.
   * @default 3000
   */
  retryMs?: number;
  /**
   * Time without any write after which a comment is sent, in milliseconds, so that idle
   * connections (and proxies on the way) stay open; 0 sends none. Checked every half
   * interval (a write costs no timer update), so a comment goes out between `heartbeatMs`
   * and 1.5 × `heartbeatMs` after the last write.
   * @default 15000
   */
  heartbeatMs?: number;
  /**
   * Longest time, in milliseconds, the writer waits for a blocked client to read (`drain`)
   * before disconnecting it as too slow; 0 waits as long as the connection lasts. (There is
   * no limit in bytes: the writer stops pulling events while the client does not read, so at
   * most one event beyond the response's high-water mark is ever buffered for it.)
   * @default 30000
   */
  maxBlockedMs?: number;
  /**
   * Makes the stream resumable: every event is recorded here (and given its id) before it is
   * written, and `lastEventId` is answered from it.
   */
  history?: EventHistory;
  /**
   * The id the client last saw (see {@link lastEventIdOf}). With `history`, the events after
   * it are written first, in order, with their original ids, then the live ones; a gap is
   * announced by a `MESSAGE_TYPE_EVENTS_LOST` event.
   */
  lastEventId?: string | undefined;
  /** Ends the stream: stops pulling events, ends the iterable and the response (reason `aborted`). */
  signal?: AbortSignal;
  /** More response headers, e.g. those a framework has set (CORS); the event-stream ones win. */
  headers?: OutgoingHttpHeaders;
}

/**
 * Why a stream ended: `completed` — the iterable ended; `client-closed` — the client went
 * away; `slow-client` — the client stopped reading past a limit and was disconnected;
 * `aborted` — `options.signal` ended it; `failed` — the iterable threw (see `error`).
 */
export type EventStreamEnd = 'completed' | 'client-closed' | 'slow-client' | 'aborted' | 'failed';

/** How a stream went. */
export interface EventStreamResult {
  /** Why it ended. */
  reason: EventStreamEnd;
  /** Events written to the response (replayed ones and loss notices included). */
  eventsWritten: number;
  /** What the iterable threw, for `failed`. */
  error?: unknown;
}

/** The numeric options, all set. */
interface Settings {
  retryMs: number;
  heartbeatMs: number;
  maxBlockedMs: number;
}

const kDefaults: Readonly<Settings> = {
  retryMs: 3000,
  heartbeatMs: 15_000,
  maxBlockedMs: 30_000,
};

function validated(options: WriteEventStreamOptions): Settings {
  const settings = { ...kDefaults };
  for (const key of Object.keys(kDefaults) as Array<keyof Settings>) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new RangeError(`${key} must be an integer >= 0, got ${describeValue(value)}`);
    }
    settings[key] = value;
  }
  return settings;
}

/**
 * The id a reconnecting client last saw: the `Last-Event-ID` header (what `EventSource` sends),
 * else the `lastEventId` query parameter (for clients that cannot set headers on the first
 * connection); `undefined` when neither is given or it is empty.
 */
export function lastEventIdOf(req: EventStreamRequest): string | undefined {
  const header = req.headers['last-event-id'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return fromHeader;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('lastEventId') || undefined;
}

/** Whether the response can no longer be written (ended, or its connection gone). */
function isGone(res: EventStreamResponse): boolean {
  if (res.writableEnded) return true;
  if ('stream' in res) return res.stream.destroyed || res.stream.closed;
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

/**
 * Frames an event, or, when it cannot be framed (an `event` or `id` with a line break, `data`
 * that is not a string), a `MESSAGE_TYPE_INTERNAL_ERROR` event saying so: nothing is ever
 * injected into the stream, and one bad event does not end it.
 */
function frame(event: StreamEvent): string {
  try {
    return formatEvent(event);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const data = JSON.stringify({ name: 'TypeError', message, type: String(event.event) });
    const id = typeof event.id === 'string' && !/[\r\n\0]/.test(event.id) ? event.id : undefined;
    return formatEvent({ event: MESSAGE_TYPE_INTERNAL_ERROR, data, ...(id === undefined ? {} : { id }) });
  }
}

/** Where `sharedEvent` keeps an event's framed lines (all but `id:`). */
const kFramedBody = Symbol('eric-sse.framedBody');

/**
 * A frozen copy of `event` (without its `id`) that carries its own framing: for an event that
 * many streams write (a broadcast), framed and checked once, and found by every writer with
 * no lookup. `channelEvents` makes its wire events with it.
 */
export function sharedEvent(event: StreamEvent): Readonly<StreamEvent> {
  const shared: StreamEvent = {};
  if (event.event !== undefined) shared.event = event.event;
  if (event.data !== undefined) shared.data = event.data;
  Object.defineProperty(shared, kFramedBody, { value: frame(shared) });
  return Object.freeze(shared);
}

/**
 * Frames `event` with the id a history gave it (`<epoch>-<sequence>`: no line break, no NUL,
 * so nothing to check). An event made by `sharedEvent` is framed already: only its `id:` line
 * is made per stream.
 */
function frameWithId(event: StreamEvent, id: string): string {
  const framed = (event as { [kFramedBody]?: string })[kFramedBody];
  return framed === undefined ? frame({ ...event, id }) : `id: ${id}\n${framed}`;
}

/**
 * An iterator that can also answer by callback (a channel's `messageStream`; see
 * `ListenerStream.nextWith`): each call gets exactly one `onResult` or `onError`, never
 * during the call itself.
 */
export interface CallbackIterator {
  nextWith(onResult: (result: IteratorResult<StreamEvent>) => void, onError: (error: unknown) => void): void;
}

/** One stream: its state, and the waits that a stop must end. */
class EventStreamWriter {
  readonly #req: EventStreamRequest;
  readonly #res: EventStreamResponse;
  readonly #settings: Settings;
  readonly #options: WriteEventStreamOptions;
  #stopReason: EventStreamEnd | undefined;
  /** Ends the current wait (for the next event, or for `drain`) when the stream stops. */
  #wake: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** Whether something was written since the heartbeat's last check (see `#startHeartbeat`). */
  #wroteSinceTick = false;
  #blocked = false;
  #eventsWritten = 0;
  /** Whether the response is corked until the next tick (see `#write`). */
  #corked = false;
  /** Ends the cork `#write` put on (one function per stream, not one per write). */
  readonly #uncork = (): void => {
    this.#corked = false;
    (this.#res as ServerResponse).uncork();
  };

  constructor(req: EventStreamRequest, res: EventStreamResponse, options: WriteEventStreamOptions) {
    this.#req = req;
    this.#res = res;
    this.#options = options;
    this.#settings = validated(options);
  }

  async run(events: AsyncIterable<StreamEvent>): Promise<EventStreamResult> {
    const res = this.#res;
    const { signal, history, lastEventId } = this.#options;
    const onClose = (): void => this.#stop('client-closed');
    const onAbort = (): void => this.#stop('aborted');
    const ignore = (): void => undefined; // failures show up as 'close'
    res.on('close', onClose);
    res.on('error', ignore);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.#stop('aborted');
    if (isGone(res)) this.#stop('client-closed');
    const iterator = events[Symbol.asyncIterator]();
    let result: EventStreamResult | undefined;
    try {
      if (this.#stopReason === undefined) {
        this.#writeHead();
        if (!this.#write(formatRetry(this.#settings.retryMs), false)) await this.#waitForDrain();
        this.#startHeartbeat();
      }
      if (history && lastEventId !== undefined) {
        const replay = history.since(lastEventId);
        if (replay.lost && !this.#write(frame(replay.lost), true)) await this.#waitForDrain();
        for (const event of replay.events) {
          if (this.#stopReason !== undefined) break;
          if (!this.#write(frame(event), true)) await this.#waitForDrain();
        }
      }
      if (this.#stopReason === undefined && (await this.#pump(iterator))) {
        result = { reason: 'completed', eventsWritten: this.#eventsWritten };
      }
    } catch (error) {
      result = { reason: 'failed', eventsWritten: this.#eventsWritten, error };
    } finally {
      clearInterval(this.#heartbeat);
      res.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    }
    result ??= { reason: this.#stopReason ?? 'client-closed', eventsWritten: this.#eventsWritten };
    if (result.reason !== 'completed' && result.reason !== 'failed') {
      // Not awaited: a source waiting for its next event may only see this once that wait ends.
      iterator.return?.()?.catch(ignore);
    }
    this.#finish(result.reason);
    // Keep swallowing late socket errors of a destroyed response only briefly: 'close' ends them.
    res.once('close', () => res.off('error', ignore));
    if (isGone(res)) res.off('error', ignore);
    return result;
  }

  #writeHead(): void {
    const res = this.#res;
    if (res.headersSent) return;
    const headers: OutgoingHttpHeaders = {
      ...this.#options.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    };
    // HTTP/2 forbids connection-specific headers; HTTP/1.0 has no keep-alive by default.
    if (this.#req.httpVersion === '1.1') headers.connection = 'keep-alive';
    else delete headers.connection;
    delete headers['content-length'];
    (res as ServerResponse).writeHead(200, headers);
    const socket = (res as ServerResponse).socket;
    // Events are small and latency matters: don't let Nagle hold them back (HTTP/1 only).
    if (socket && 'setNoDelay' in socket && !('stream' in res)) socket.setNoDelay(true);
  }

  /**
   * Writes a chunk (nothing once stopped); false when the client is not keeping up, and the
   * caller must then `#waitForDrain()` before writing more.
   */
  #write(chunk: string, isEvent: boolean): boolean {
    if (this.#stopReason !== undefined) return true;
    const res = this.#res as ServerResponse;
    // Events that are ready at once (a replay, a burst, a job's backlog) go out together:
    // corked until the next tick, they leave in one write instead of one syscall each.
    if (!this.#corked && typeof res.cork === 'function') {
      this.#corked = true;
      res.cork();
      process.nextTick(this.#uncork);
    }
    const flushed = res.write(chunk);
    if (isEvent) this.#eventsWritten += 1;
    this.#wroteSinceTick = true;
    return flushed;
  }

  /** Waits for 'drain'; ends on a stop, and stops the stream when blocked past `maxBlockedMs`. */
  async #waitForDrain(): Promise<void> {
    const res = this.#res;
    this.#blocked = true;
    let onDrain: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve) => {
        onDrain = resolve;
        this.#wake = resolve;
        res.once('drain', onDrain);
        if (this.#settings.maxBlockedMs > 0) {
          timer = setTimeout(() => this.#stop('slow-client'), this.#settings.maxBlockedMs);
        }
      });
    } finally {
      this.#wake = undefined;
      this.#blocked = false;
      clearTimeout(timer);
      if (onDrain) res.off('drain', onDrain);
    }
  }

  /**
   * Pulls events and writes them until the iterable ends (resolves `true`), the stream stops
   * (resolves `false` at once, even while a `next()` is pending) or the iterable throws
   * (rejects). Driven by callbacks rather than an `await` loop: per event, one reaction on
   * the iterable's promise and nothing else, which is most of the writer's own cost.
   */
  #pump(iterator: AsyncIterator<StreamEvent>): Promise<boolean> {
    const history = this.#options.history;
    return new Promise<boolean>((resolve, reject) => {
      const stopped = (): void => resolve(false);
      // A channel's stream (`channelEvents`) can answer by callback, inside the producer's
      // push: then a broadcast reaches this client's socket with no promise and no turn.
      const nextWith = (iterator as Partial<CallbackIterator>).nextWith;
      const pull = (): void => {
        if (this.#stopReason !== undefined) return resolve(false);
        this.#wake = stopped;
        try {
          if (typeof nextWith === 'function') nextWith.call(iterator, onNext, reject);
          else iterator.next().then(onNext, reject);
        } catch (error) {
          reject(error);
        }
      };
      const onNext = (result: IteratorResult<StreamEvent>): void => {
        if (this.#stopReason !== undefined) {
          // Stopped while waiting: an event that still arrives was taken from its source, so
          // keep it for a client that resumes rather than drop it.
          if (!result.done) history?.record(result.value);
          return resolve(false);
        }
        if (result.done) return resolve(true);
        // Recorded before it is written: if the connection dies now, a resume replays it.
        const text = history ? frameWithId(result.value, history.add(result.value)) : frame(result.value);
        // Waits only when the client is not keeping up: no promise and no turn per write otherwise.
        if (this.#write(text, true)) pull();
        else this.#waitForDrain().then(pull, reject);
      };
      pull();
    });
  }

  #startHeartbeat(): void {
    const { heartbeatMs } = this.#settings;
    if (heartbeatMs === 0) return;
    // Two quiet half-intervals in a row make an idle interval.
    let quietTicks = 0;
    this.#heartbeat = setInterval(() => {
      if (this.#wroteSinceTick) {
        this.#wroteSinceTick = false;
        quietTicks = 0;
        return;
      }
      quietTicks += 1;
      if (quietTicks < 2) return;
      quietTicks = 0;
      // A blocked client gets nothing more: its buffer is full, and the wait for drain is on.
      if (!this.#blocked && this.#stopReason === undefined) (this.#res as ServerResponse).write(formatComment());
    }, Math.max(1, Math.floor(heartbeatMs / 2)));
    this.#heartbeat.unref();
  }

  #stop(reason: EventStreamEnd): void {
    if (this.#stopReason !== undefined) return;
    this.#stopReason = reason;
    this.#wake?.();
  }

  /** Ends the response as the reason wants: politely, or (slow, gone) by destroying it. */
  #finish(reason: EventStreamEnd): void {
    const res = this.#res;
    if (isGone(res)) return;
    if (reason === 'slow-client' || reason === 'client-closed') {
      if ('stream' in res) res.stream.close();
      else res.destroy();
      return;
    }
    res.end();
  }
}

/**
 * Streams `events` to the client as `text/event-stream` and resolves when the stream is over,
 * saying why (it never rejects for the stream's own sake; invalid options throw at once).
 *
 * - Sends the headers (`Content-Type: text/event-stream; charset=utf-8`, `Cache-Control:
 *   no-cache`, `X-Accel-Buffering: no`, and `Connection: keep-alive` on HTTP/1.1), then
 *   `retry:`, then each event framed exactly (see `formatEvent`; an event that cannot be
 *   framed becomes a `MESSAGE_TYPE_INTERNAL_ERROR` event), with heartbeat comments while idle.
 * - Backpressure: pulls the next event only once the previous one is handed to the socket;
 *   while the client does not read (`write()` returned false) it waits for `drain`, so the
 *   backlog stays in the source (a listener's queue), not in this process's heap. A client
 *   blocked past `maxBlockedMs` is disconnected.
 * - The client leaving is noticed at once (the response's `close`), also while waiting for an
 *   event or for `drain`: the iterable is ended (`return()`) and the promise resolves.
 * - When the iterable ends, so does the response. When it throws, the response ends and the
 *   result carries the error.
 * - Resume: see `history` and `lastEventId` in the options.
 *
 * @example
 * http.createServer((req, res) => {
 *   const events = channelEvents(channel, listener); // SSEChannel events, data as JSON
 *   writeEventStream(req, res, events, { heartbeatMs: 10_000 }).then(({ reason }) => console.log(reason));
 * });
 */
export function writeEventStream(
  req: EventStreamRequest,
  res: EventStreamResponse,
  events: AsyncIterable<StreamEvent>,
  options: WriteEventStreamOptions = {},
): Promise<EventStreamResult> {
  return new EventStreamWriter(req, res, options).run(events);
}
