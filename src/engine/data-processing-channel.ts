import type { ResourceLimits } from 'node:worker_threads';
import { AbstractChannel, internalErrorMessage, type ChannelOptions } from './channel.js';
import { MessageQueueListener } from './listener.js';
import { Message, UniqueMessage, type MessageContract, type Payload } from './message.js';
import { MainThreadExecutor, PoolExecutor, type Executor } from './processing/executors.js';
import { QueueRun, type MessageSource } from './processing/queue-run.js';
import { WorkerPool } from './processing/worker-pool.js';
import { describeValue, finiteNumber, nonNegativeInteger, optionsObject, positiveInteger } from './validation.js';
import { WorkerListener } from './worker-listener.js';

/** What `DataProcessingChannel` streams yield: the event name (message type) and its data. */
export interface ProcessedEvent {
  /** The message type (`MESSAGE_TYPE_INTERNAL_ERROR` for a message whose handler failed). */
  event: string;
  /** The handler's result, the message's payload, or the error description. */
  data: unknown;
  /**
   * Id of the `UniqueMessage` the event comes from (absent for other messages): it tells
   * which input a result belongs to when results come in completion order.
   */
  id?: string;
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
}

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
  #pool: WorkerPool | undefined;
  #closed = false;
  /** Runs not yet ended, stopped by `close()`. */
  readonly #runs = new Set<QueueRun<ProcessedEvent>>();
  /** Runs that have started, by listener id: one at a time per listener. */
  readonly #activeRuns = new Map<string, QueueRun<ProcessedEvent>>();

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
  processQueue(listener: MessageQueueListener, options?: ProcessQueueOptions): AsyncIterableIterator<ProcessedEvent> {
    if (!(listener instanceof MessageQueueListener)) {
      throw new TypeError(`processQueue expects a MessageQueueListener (or a WorkerListener), got ${describeValue(listener)}`);
    }
    const { ordered = false, until = 'closed', signal } = optionsObject('processQueue', options);
    if (typeof ordered !== 'boolean') throw new TypeError(`processQueue option "ordered" must be a boolean, got ${describeValue(ordered)}`);
    if (until !== 'closed' && until !== 'empty') {
      throw new TypeError(`processQueue option "until" must be 'closed' or 'empty', got ${describeValue(until)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`processQueue option "signal" must be an AbortSignal, got ${describeValue(signal)}`);
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
      // Two tasks per thread, so that a thread finishing one finds the next already queued;
      // one with a time limit, whose clock starts when the task is handed to the pool and so
      // must not run while the task waits behind another.
      const slots = listener.timeoutMs === undefined ? 2 * this.maxWorkers : this.maxWorkers;
      executor = new PoolExecutor(this.#workerPool(), listener, {
        slots,
        maxBatchSize: this.#maxBatchSize,
        targetBatchMilliseconds: this.#targetBatchMilliseconds,
      });
      highWaterMark = 2 * slots * this.#maxBatchSize;
    } else {
      executor = new MainThreadExecutor(listener, this.maxWorkers);
      highWaterMark = Math.max(64, 4 * this.maxWorkers);
    }
    const run: QueueRun<ProcessedEvent> = new QueueRun(this.#source(listener.id), executor, {
      ordered,
      until,
      signal,
      highWaterMark,
      toEvent: (msg, result, error) => {
        const event = this.adapt(result ?? internalErrorMessage(msg, error));
        if (msg instanceof UniqueMessage) event.id = msg.id;
        return event;
      },
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
      ...(this.#resourceLimits ? { resourceLimits: this.#resourceLimits } : {}),
      callbacks: {
        dispatch: (listenerId, type, payload) => this.dispatch(listenerId, new Message(type, payload as Payload)),
        broadcast: (type, payload) => this.broadcast(new Message(type, payload as Payload)),
      },
    });
    return this.#pool;
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
