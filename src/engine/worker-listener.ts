import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageQueueListener, type ListenerOptions } from './listener.js';
import type { Payload } from './message.js';
import { describeValue, finiteNumber, optionsObject, positiveInteger } from './validation.js';

/** Options of `WorkerListener`. */
export interface WorkerListenerOptions extends ListenerOptions {
  /**
   * The handler module's export to call.
   * @default 'default'
   */
  name?: string;
  /**
   * Most time, in milliseconds, the handler may take for one message. A message that takes
   * longer is reported as a `MESSAGE_TYPE_INTERNAL_ERROR` event (`name: 'TimeoutError'`) and
   * its thread is ended and replaced, so that a handler stuck in a loop cannot hold a thread
   * (or the stream) forever. The clock starts when the message's batch is handed to a thread
   * (including a replacement thread's start-up, tens of milliseconds), and a batch gets the
   * limit plus twice its messages' expected time, so leave a margin. A batch that overruns is
   * retried message by message, each with the limit. With a limit, each thread gets one task
   * at a time. Omit it for no limit.
   */
  timeoutMs?: number;
  /**
   * Most messages one thread runs the handler for at once. Above 1, an async handler that
   * awaits I/O overlaps with others in the same thread (up to this many per thread, so
   * `maxWorkers × concurrency` in all); a CPU-bound handler gains nothing from it.
   * @default 1
   */
  concurrency?: number;
  /**
   * Most time, in milliseconds, importing the handler module may take in a thread (a module
   * whose top-level `await` never settles would otherwise hold `processQueue` forever). Past
   * it, `processQueue` rejects with a `TimeoutError` saying that loading timed out.
   * @default 60000
   */
  loadTimeoutMs?: number;
}

/**
 * What a handler gets as its second argument: a way back into the main thread's channel.
 * Calls cross threads, so they return Promises; await them before the handler returns
 * if the messages must be queued before the handler's own result is yielded.
 *
 * @example A handler that splits one input into several messages
 * ```js
 * export default async function split(msg, ctx) {
 *   for (const word of msg.payload.split(' ')) await ctx.dispatch(ctx.listenerId, 'word', word);
 *   return { words: msg.payload.split(' ').length };
 * }
 * ```
 */
export interface HandlerContext {
  /** Id of the channel whose queue is processed. */
  readonly channelId: string;
  /** Id of the listener whose queue is processed. */
  readonly listenerId: string;
  /** Dispatches a new message (`type`, `payload`) to a listener of the channel. */
  dispatch(listenerId: string, type: string, payload?: Payload): Promise<void>;
  /** Broadcasts a new message (`type`, `payload`) to every listener of the channel. */
  broadcast(type: string, payload?: Payload): Promise<void>;
}

/** What the main thread exposes to handlers (the remote side of `HandlerContext`). @internal */
export interface ChannelCallbacks {
  dispatch(listenerId: string, type: string, payload: unknown): Promise<void>;
  broadcast(type: string, payload: unknown): Promise<void>;
}

/**
 * A handler: called once per message in a worker thread. Its return value (or what its
 * Promise resolves to) becomes the result's `data`; `undefined` means "the message's own
 * payload". A throw becomes a `MESSAGE_TYPE_INTERNAL_ERROR` event for that message.
 *
 * Results are structured-cloned to the main thread when their batch ends. A returned
 * `ArrayBuffer` or typed array is copied as soon as the handler returns it (so one buffer
 * may be refilled for every message); any other object is read at the end of the batch, so
 * return a fresh one per message. A result that cannot be cloned (function, Symbol, WeakMap, Proxy)
 * becomes a `DataCloneError` event for that message.
 */
export type MessageHandler<In = Payload, Out = unknown> = (msg: { type: string; payload: In }, ctx: HandlerContext) => Out | Promise<Out>;

/** Turns a module reference (URL, `file:` URL string, or path) into a `file:` URL string. */
function toModuleUrl(handler: unknown): string {
  if (handler instanceof URL) {
    if (handler.protocol !== 'file:') {
      throw new TypeError(`WorkerListener handler must be a file: URL, got ${handler.href}`);
    }
    return handler.href;
  }
  if (typeof handler !== 'string' || handler.length === 0) {
    throw new TypeError(
      `WorkerListener handler must be a URL, a file: URL string or a path to a module, got ${handler === '' ? 'an empty string' : typeof handler}`,
    );
  }
  if (handler.startsWith('file:')) return new URL(handler).href;
  if (/^[a-z][a-z0-9+.-]+:/i.test(handler) && !/^[a-z]:[\\/]/i.test(handler)) {
    throw new TypeError(`WorkerListener handler must be a file: URL or a path, got ${handler}`);
  }
  return pathToFileURL(isAbsolute(handler) ? handler : resolve(process.cwd(), handler)).href;
}

/**
 * A listener whose messages are processed in worker threads by a handler module, when a
 * `DataProcessingChannel` processes its queue.
 *
 * The handler module's default export (or the export named in `options.name`) is a
 * `MessageHandler`. The recommended way to name the module is a URL relative to the
 * calling module, which works whatever the current directory:
 *
 * ```js
 * const listener = new WorkerListener(new URL('./handler.js', import.meta.url));
 * ```
 *
 * A plain path is resolved against `process.cwd()` at construction time.
 * The module is imported in each worker thread once, on first use.
 */
export class WorkerListener<Out = unknown> extends MessageQueueListener {
  /**
   * Type only, never set: the handler's result type, which `processQueue` yields as `data`
   * (`new WorkerListener<PricedOrder>(url)`; `unknown` by default).
   */
  declare readonly resultType?: Out;
  /** The handler module, as a `file:` URL string. */
  readonly handler: string;
  /** The handler module's export to call. */
  readonly exportName: string;
  /** Most time in milliseconds the handler may take for one message; `undefined` for no limit. */
  readonly timeoutMs: number | undefined;
  /** Most messages one thread runs the handler for at once. */
  readonly concurrency: number;
  /** Most time in milliseconds importing the handler module may take in a thread. */
  readonly loadTimeoutMs: number;

  /**
   * @param handler - the handler module: a `file:` URL, a `file:` URL string, or a path
   *   (absolute, or relative to `process.cwd()`).
   * @param options - `name` of the export to call (default `'default'`), `timeoutMs` per
   *   message (default: none), `concurrency` per thread (default 1), listener `id`.
   * @throws TypeError when `handler` or `options.name` is not usable.
   */
  constructor(handler: string | URL, options?: WorkerListenerOptions) {
    const { name = 'default', timeoutMs, concurrency = 1, loadTimeoutMs = 60_000, ...listenerOptions } = optionsObject(
      'WorkerListener',
      options,
    );
    super(listenerOptions);
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`WorkerListener option "name" must be a non-empty string, got ${describeValue(name)}`);
    }
    if (timeoutMs !== undefined) finiteNumber('WorkerListener option "timeoutMs"', timeoutMs, 0, false);
    positiveInteger('WorkerListener option "concurrency"', concurrency);
    finiteNumber('WorkerListener option "loadTimeoutMs"', loadTimeoutMs, 0, false);
    this.handler = toModuleUrl(handler);
    this.exportName = name;
    this.timeoutMs = timeoutMs;
    this.concurrency = concurrency;
    this.loadTimeoutMs = loadTimeoutMs;
  }
}
