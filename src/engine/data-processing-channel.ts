import type { ResourceLimits } from 'node:worker_threads';
import { AbstractChannel, internalErrorMessage, type ChannelOptions } from './channel.js';
import { MessageQueueListener } from './listener.js';
import { Message, MESSAGE_TYPE_INTERNAL_ERROR, UniqueMessage, type MessageContract, type Payload } from './message.js';
import { MainThreadExecutor, PoolExecutor, type Executor } from './processing/executors.js';
import { QueueRun, type EventMaker, type MessageSource } from './processing/queue-run.js';
import { kTasksPerThread, WorkerPool } from './processing/worker-pool.js';
import { describeValue, finiteNumber, nonNegativeInteger, optionsObject, positiveInteger } from './validation.js';
import { WorkerListener } from './worker-listener.js';

/** What a `MESSAGE_TYPE_INTERNAL_ERROR` event carries: the error, and the message it failed on. */
export interface InternalErrorData {
  /** The error's class name, e.g. `RangeError`. */
  name: string;
  /** The error's message. */
  message: string;
  /** The type of the message whose handler failed. */
  type: string;
  /** That message's payload (absent when it could not be carried). */
  payload?: unknown;
  /** Why the payload is absent, when it is. */
  payloadError?: string;
}

/** A result event of `processQueue`: the message type and the handler's result (or the message's payload). */
export interface ProcessedResultEvent<T = unknown> {
  /** The message type. */
  event: string;
  /** The handler's result, or the message's payload (a main-thread listener, or a handler that returned `undefined`). */
  data: T;
  /**
   * Id of the `UniqueMessage` the event comes from (absent for other messages): it tells
   * which input a result belongs to when results come in completion order.
   */
  id?: string;
}

/** The event of a message whose handler failed. */
export interface ProcessedErrorEvent {
  event: typeof MESSAGE_TYPE_INTERNAL_ERROR;
  data: InternalErrorData;
  /** Id of the `UniqueMessage` the event comes from, as for results. */
  id?: string;
}

/**
 * What `DataProcessingChannel` streams yield: the event name (message type) and its data.
 * `T` is the handler's result type (`unknown` by default; a `WorkerListener<T>` sets it).
 * Comparing `event` with `MESSAGE_TYPE_INTERNAL_ERROR` tells failures apart: in the other
 * branch, `data` is a `T`.
 */
export type ProcessedEvent<T = unknown> = ProcessedResultEvent<T> | ProcessedErrorEvent;

/**
 * Whether a `processQueue` event reports a failed message (its event is the reserved
 * `MESSAGE_TYPE_INTERNAL_ERROR`); in the other branch TypeScript knows `data` is a result.
 *
 * @example
 * ```ts
 * for await (const event of channel.processQueue(new WorkerListener<PricedOrder>(url))) {
 *   if (isInternalErrorEvent(event)) console.error(event.data.message);
 *   else console.log(event.data.total); // data: PricedOrder
 * }
 * ```
 */
export function isInternalErrorEvent<T>(event: ProcessedEvent<T>): event is ProcessedErrorEvent {
  return event.event === MESSAGE_TYPE_INTERNAL_ERROR;
}

/** Options of `DataProcessingChannel`. */
export interface DataProcessingChannelOptions extends ChannelOptions {
  /**
   * Most concurrent executions: worker threads for a `WorkerListener`, concurrent
   * `onMessage` calls for any other listener. A positive integer.
   */
  maxWorkers: number;
  /** V8 limits of each worker thread; a thread that exceeds them dies and is replaced. */
  resourceLimits?: ResourceLimits;
  /**
   * Most messages sent to a worker thread in one task. Batches grow from 1 towards
   * `targetBatchMilliseconds` of handler time, up to this size; 1 disables batching.
   * @default 256
   */
  maxBatchSize?: number;
  /**
   * Handler time to aim at per task, in milliseconds: long enough to amortise the cost of
   * crossing threads, short enough to keep results flowing.
   * @default 4
   */
  targetBatchMilliseconds?: number;
  /**
   * Time, in milliseconds, `close()` lets handlers still running finish (their messages were
   * already handed back to the queue) before it ends their threads.
   * @default 5000
   */
  closeTimeoutMs?: number;
  /**
   * What a worker thread does while it has no batch. `'run'`: its event loop keeps turning
   * (Piscina's `atomics: 'disabled'`), so that timers, sockets and unawaited promises a
   * handler module leaves behind (a metrics flush on an interval, a client's heartbeat) make
   * progress between batches. `'sleep'`: it blocks until the next batch arrives (`Atomics.wait`,
   * Piscina's default), which costs a few per cent less CPU per small message but pauses
   * such background work, and was no faster in wall time here (slower with 1 worker: waking
   * a blocked thread is slow on a busy machine; see the Benchmarks section of the README).
   * Either way the awaits of a batch being processed run as usual, `ctx` calls included.
   * @default 'run'
   */
  idleThreads?: IdleThreads;
}

/** What an idle worker thread does: see `DataProcessingChannelOptions.idleThreads`. */
export type IdleThreads = 'sleep' | 'run';

/** Options of `DataProcessingChannel.processQueue`. */
export interface ProcessQueueOptions {
  /**
   * Yield results in dispatch order instead of completion order.
   * @default false
   */
  ordered?: boolean;
  /**
   * `'closed'`: end after the `MESSAGE_TYPE_CLOSED` message and every earlier result,
   * waiting (without polling) while the queue is empty. `'empty'`: end as soon as the
   * queue runs dry (the Python original's behaviour).
   * @default 'closed'
   */
  until?: 'closed' | 'empty';
  /** Stops popping; the iterator rejects with the signal's reason. Unpopped messages stay queued. */
  signal?: AbortSignal;
}

/** The `ResourceLimits` fields worker threads accept, each a number of megabytes. */
const kResourceLimitFields = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

function checkResourceLimits(value: unknown): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`resourceLimits must be an object such as { maxOldGenerationSizeMb: 256 }, got ${describeValue(value)}`);
  }
  for (const [key, limit] of Object.entries(value)) {
    if (!(kResourceLimitFields as readonly string[]).includes(key)) {
      throw new RangeError(`resourceLimits has an unknown field ${JSON.stringify(key)}; known: ${kResourceLimitFields.join(', ')}`);
    }
    if (limit !== undefined) finiteNumber(`resourceLimits.${key}`, limit, 0, false);
  }
  return value as ResourceLimits;
}

/**
 * A channel for concurrent data processing: `processQueue` fans a listener's queue out to
 * worker threads (for a `WorkerListener`) or to concurrent main-thread `onMessage` calls,
 * and streams the results.
 *
 * @example
 * ```js
 * const channel = new DataProcessingChannel({ maxWorkers: 2 });
 * const listener = new WorkerListener(new URL('./square.js', import.meta.url));
 * channel.registerListener(listener);
 * for (let i = 0; i < 10; i++) await channel.dispatch(listener.id, new Message('n', i));
 * await channel.notifyEnd();
 * for await (const { event, data } of channel.processQueue(listener)) console.log(event, data);
 * await channel.close(); // or `await using channel = …` where supported
 * ```
 */
export class DataProcessingChannel extends AbstractChannel<ProcessedEvent> {
  /** Most concurrent executions (threads, or main-thread `onMessage` calls). */
  readonly maxWorkers: number;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #maxBatchSize: number;
  readonly #targetBatchMilliseconds: number;
  readonly #closeTimeoutMs: number;
  readonly #idleThreads: IdleThreads;
  #pool: WorkerPool | undefined;
  #closed = false;
  /** Runs not yet ended, stopped by `close()`. */
  readonly #runs = new Set<QueueRun<ProcessedEvent, unknown>>();
  /** Runs that have started, by listener id: one at a time per listener. */
  readonly #activeRuns = new Map<string, QueueRun<ProcessedEvent, unknown>>();

  /**
   * @throws RangeError when `maxWorkers`, `maxBatchSize` or `targetBatchMilliseconds` is out of range.
   */
  constructor(options: DataProcessingChannelOptions) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new TypeError(
        `DataProcessingChannel needs an options object with maxWorkers, e.g. { maxWorkers: 4 }, got ${describeValue(options)}`,
      );
    }
    super(options);
    this.maxWorkers = positiveInteger('maxWorkers', options.maxWorkers);
    this.#maxBatchSize = positiveInteger('maxBatchSize', options.maxBatchSize ?? 256);
    this.#targetBatchMilliseconds = finiteNumber('targetBatchMilliseconds', options.targetBatchMilliseconds ?? 4, 0, false);
    this.#closeTimeoutMs = nonNegativeInteger('closeTimeoutMs', options.closeTimeoutMs ?? 5000);
    const { idleThreads = 'run' } = options;
    if (idleThreads !== 'sleep' && idleThreads !== 'run') {
      throw new TypeError(`idleThreads must be 'sleep' or 'run', got ${describeValue(idleThreads)}`);
    }
    this.#idleThreads = idleThreads;
    this.#resourceLimits = checkResourceLimits(options.resourceLimits);
  }

  /** Worker threads running a handler now (0 before the first `processQueue` of a `WorkerListener`): for metrics. */
  get busyWorkers(): number {
    return this.#pool?.busyThreads ?? 0;
  }

  /** `{ event: msg.type, data: msg.payload }`. */
  adapt(msg: MessageContract): ProcessedEvent {
    return { event: msg.type, data: msg.payload };
  }

  /**
   * Processes the listener's queue, at most `maxWorkers` messages at a time, and yields each
   * result adapted. See `ProcessQueueOptions` for the order and the end of the stream.
   *
   * - A `WorkerListener`'s handler runs in worker threads; its return value is the result's
   *   `data` (`undefined` → the message's payload). Several messages travel per task; a
   *   task whose thread dies is retried message by message, so handlers should be idempotent.
   * - Any other listener's `onMessage` runs on the main thread and the message itself is yielded.
   * - A failing handler yields a `MESSAGE_TYPE_INTERNAL_ERROR` event for that message; the others go on.
   * - The listener's running state is not consulted.
   * - Bounded: a slow consumer slows popping. `break`, `signal` or `close()` stop popping;
   *   messages popped but not yet yielded go back to the head of the queue (a handler already
   *   running for one of them may so run twice: at-least-once). Messages popped after the
   *   closed message go back too. Nothing taken is lost.
   *
   * The iterator rejects with `InvalidListenerException` when the listener is not (or no
   * longer) registered, and with an Error naming the module when a handler cannot be loaded
   * (before anything is popped).
   */
  processQueue<Out>(listener: WorkerListener<Out>, options?: ProcessQueueOptions): AsyncIterableIterator<ProcessedEvent<Out>>;
  processQueue(listener: MessageQueueListener, options?: ProcessQueueOptions): AsyncIterableIterator<ProcessedEvent>;
  processQueue(listener: MessageQueueListener, options?: ProcessQueueOptions): AsyncIterableIterator<ProcessedEvent> {
    return this.#startRun<ProcessedEvent>('processQueue', listener, options, false);
  }

  /**
   * `processQueue`, yielding arrays of results instead of one result at a time: each array
   * holds every result ready when the consumer asks (at least one; a worker batch's results
   * arrive together), in the same order `processQueue` would yield them, with the same end,
   * error, `break` and bound rules. One promise and one loop turn per array rather than per
   * result: for small, fast messages this is the quicker way to consume (see the Benchmarks
   * section of the README for the gain measured here).
   *
   * @example
   * ```js
   * for await (const events of channel.processChunks(listener)) {
   *   for (const { event, data } of events) total += data;
   * }
   * ```
   */
  processChunks(listener: MessageQueueListener, options?: ProcessQueueOptions): AsyncIterableIterator<ProcessedEvent[]> {
    return this.#startRun<ProcessedEvent[]>('processChunks', listener, options, true);
  }

  #startRun<Y>(where: string, listener: MessageQueueListener, options: ProcessQueueOptions | undefined, chunked: boolean): QueueRun<ProcessedEvent, Y> {
    if (!(listener instanceof MessageQueueListener)) {
      throw new TypeError(`${where} expects a MessageQueueListener (or a WorkerListener), got ${describeValue(listener)}`);
    }
    const { ordered = false, until = 'closed', signal } = optionsObject(where, options);
    if (typeof ordered !== 'boolean') throw new TypeError(`${where} option "ordered" must be a boolean, got ${describeValue(ordered)}`);
    if (until !== 'closed' && until !== 'empty') {
      throw new TypeError(`${where} option "until" must be 'closed' or 'empty', got ${describeValue(until)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`${where} option "signal" must be an AbortSignal, got ${describeValue(signal)}`);
    }
    if (this.#closed) throw new Error('DataProcessingChannel is closed');
    // Two runs would share one closed message, so one of them could never end.
    const alreadyRunning = (): Error =>
      new Error(
        `Listener ${listener.id} is already being processed by a processQueue run of this channel; end that run first (break, its signal, or the closed message)`,
      );
    if (this.#activeRuns.has(listener.id)) throw alreadyRunning();
    // Fails the stream (rather than throwing here) so that a listener removed later behaves alike.
    let executor: Executor;
    let highWaterMark: number;
    if (listener instanceof WorkerListener) {
      // Tasks in flight: two per thread, handed to the thread (see WorkerPool), so that a
      // thread finishing one starts the next at once; more while tasks are short (see
      // PoolExecutor). One per thread with a time limit, whose clock starts when the task is
      // handed to the pool and so must not run while the task waits behind another.
      const isolated = listener.timeoutMs !== undefined;
      const slots = isolated ? this.maxWorkers : 2 * this.maxWorkers;
      const shortTaskSlots = isolated ? this.maxWorkers : kTasksPerThread * this.maxWorkers;
      executor = new PoolExecutor(this.#workerPool(), listener, {
        slots,
        shortTaskSlots,
        maxBatchSize: this.#maxBatchSize,
        targetBatchMilliseconds: this.#targetBatchMilliseconds,
      });
      highWaterMark = 2 * shortTaskSlots * this.#maxBatchSize;
    } else {
      executor = new MainThreadExecutor(listener, this.maxWorkers);
      highWaterMark = Math.max(64, 4 * this.maxWorkers);
    }
    const run: QueueRun<ProcessedEvent, Y> = new QueueRun<ProcessedEvent, Y>(this.#source(listener.id), executor, {
      ordered,
      until,
      signal,
      highWaterMark,
      chunked,
      events: this.#eventMaker(),
      waitingFor: `listener ${listener.id} of channel ${this.id}`,
      onStart: () => {
        if (this.#activeRuns.has(listener.id)) throw alreadyRunning();
        this.#activeRuns.set(listener.id, run);
      },
      onEnd: () => {
        this.#runs.delete(run);
        if (this.#activeRuns.get(listener.id) === run) this.#activeRuns.delete(listener.id);
      },
    });
    this.#runs.add(run);
    return run;
  }

  /**
   * Starts the worker threads (when not started yet) and has every one of them load the
   * listener's handler module, then resolves: the next `processQueue` of that listener pays
   * no thread start-up or module load, so its first results come at full speed. Optional
   * (`processQueue` starts what it needs by itself); useful before timing a run, or to take
   * start-up out of a latency-sensitive path. Rejects as `processQueue` would when the module
   * cannot be loaded (an Error naming it; a `TimeoutError` after `loadTimeoutMs`).
   */
  async warmUp(listener: WorkerListener): Promise<void> {
    if (!(listener instanceof WorkerListener)) {
      throw new TypeError(`warmUp expects a WorkerListener (main-thread listeners need no warm-up), got ${describeValue(listener)}`);
    }
    if (this.#closed) throw new Error('DataProcessingChannel is closed');
    const pool = this.#workerPool();
    await pool.warmUp(listener.handler, listener.exportName, pool.addressFor(listener.id), listener.loadTimeoutMs);
  }

  /** Stops running `processQueue` streams and ends the worker pool. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    // Each run hands what it popped and did not yield back to its queue before the pool goes.
    await Promise.all([...this.#runs].map((run) => run.return()));
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #workerPool(): WorkerPool {
    this.#pool ??= new WorkerPool({
      maxThreads: this.maxWorkers,
      channelId: this.id,
      closeTimeoutMs: this.#closeTimeoutMs,
      idleThreads: this.#idleThreads,
      ...(this.#resourceLimits ? { resourceLimits: this.#resourceLimits } : {}),
      callbacks: {
        dispatch: (listenerId, type, payload) => this.dispatch(listenerId, new Message(type, payload as Payload)),
        broadcast: (type, payload) => this.broadcast(new Message(type, payload as Payload)),
      },
    });
    return this.#pool;
  }

  /**
   * How results become events: through `adapt`, except that a worker's result skips the
   * intermediate message when `adapt` is this class's own (one object per result, not two).
   */
  #eventMaker(): EventMaker<ProcessedEvent> {
    const ownAdapt = this.adapt === DataProcessingChannel.prototype.adapt;
    // A `UniqueMessage`'s id goes on its event, so that a result can be matched to its input.
    const withId = (msg: MessageContract, event: ProcessedEvent): ProcessedEvent => {
      if (msg instanceof UniqueMessage) event.id = msg.id;
      return event;
    };
    return {
      message: (msg) => withId(msg, this.adapt(msg)),
      result: ownAdapt
        ? (msg, data) => (msg instanceof UniqueMessage ? { event: msg.type, data, id: msg.id } : { event: msg.type, data })
        : (msg, data) => withId(msg, this.adapt({ type: msg.type, payload: data as Payload })),
      error: (msg, error) => withId(msg, this.adapt(internalErrorMessage(msg, error))),
    };
  }

  #source(listenerId: string): MessageSource {
    return {
      take: (max) => this.takeMessages(listenerId, max),
      wait: (signal) => this.waitForMessage(listenerId, signal),
      // Never rejects: a queue whose requeue fails keeps them in the channel instead.
      putBack: (messages) => this.requeueMessages(listenerId, messages),
      ack: this.acknowledges(listenerId) ? (messages) => this.acknowledgeMessages(listenerId, messages) : undefined,
    };
  }
}
