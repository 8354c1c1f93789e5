import { Deserializer } from 'node:v8';
import PQueue from 'p-queue';
import type { MessageQueueListener } from '../listener.js';
import type { MessageContract } from '../message.js';
import type { WorkerListener } from '../worker-listener.js';
import { BatchSizer } from './batch-sizer.js';
import type { BatchResult, ContextAddress, SerializedError } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * Reports the outcomes of `count` consecutive messages of a batch, from index `start`: one
 * call for a whole worker batch, so that the run does its bookkeeping once per batch.
 * `results[k]` is the handler's data for message `start + k`, or `results` is `undefined`
 * when each message is its own result (a main-thread `onMessage`). `errors[k]`, when set, is
 * that message's failure (its `results` entry is then meaningless); `errors` is `undefined`
 * when none failed.
 */
export type Emit = (
  start: number,
  count: number,
  results: readonly unknown[] | undefined,
  errors: readonly unknown[] | undefined,
) => void;

/** Runs popped messages somewhere: worker threads or the main thread. */
export interface Executor {
  /**
   * Called once before anything is popped; a rejection fails the run (nothing popped).
   * `undefined` when there is nothing to wait for (the handler was loaded already).
   */
  prepare(): Promise<void> | undefined;
  /** How many messages to pop for the next `submit`; 0 when busy. */
  wanted(): number;
  /** Processes `batch`, calling `emit` once per message; resolves when all are emitted, never rejects. */
  submit(batch: MessageContract[], emit: Emit): Promise<void>;
}

const payloadOf = (msg: MessageContract): unknown => msg.payload;
const typeOf = (msg: MessageContract): string => msg.type;

/** The results a thread encoded (see `BatchResult.encoded`). */
function decodeResults(encoded: Uint8Array): unknown[] {
  const deserializer = new Deserializer(encoded);
  deserializer.readHeader();
  return deserializer.readValue() as unknown[];
}

/** Rebuilds an error that crossed the thread boundary, with its name and code. */
function reviveError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.code !== undefined) (error as Error & { code?: string | number }).code = serialized.code;
  return error;
}

/** Tasks under this much handler time are short: more of them are kept in flight (see `PoolExecutorOptions`). */
const kShortTaskMilliseconds = 1;

/** Options of `PoolExecutor`. */
export interface PoolExecutorOptions {
  /** Tasks in flight at once (about 2 per thread, so a thread never waits for the next). */
  slots: number;
  /**
   * Tasks in flight at once while tasks are short (under a millisecond of handler time):
   * more than `slots`, because waking a thread that waits for its next task, or the main
   * thread for a result, takes a few tenths of a millisecond on a busy machine, longer than
   * such a task runs. Long tasks keep to `slots`, so that a run's last tasks are not
   * queued behind each other in one thread while another idles.
   */
  shortTaskSlots: number;
  /** Target handler time per task, in milliseconds. */
  targetBatchMilliseconds: number;
  /** Most messages per task. */
  maxBatchSize: number;
}

/**
 * Sends batches of a `WorkerListener`'s messages to the pool. A batch whose thread died
 * (uncaught error, `process.exit`, out of memory) is retried message by message, so only
 * the culprit is reported as failed: handlers should be idempotent.
 */
export class PoolExecutor implements Executor {
  readonly #pool: WorkerPool;
  readonly #listener: WorkerListener;
  readonly #context: ContextAddress;
  readonly #slots: number;
  readonly #shortTaskSlots: number;
  readonly #sizer: BatchSizer;
  #inFlight = 0;

  constructor(pool: WorkerPool, listener: WorkerListener, options: PoolExecutorOptions) {
    this.#pool = pool;
    this.#listener = listener;
    this.#context = pool.addressFor(listener.id);
    this.#slots = options.slots;
    this.#shortTaskSlots = options.shortTaskSlots;
    this.#sizer = new BatchSizer(options.targetBatchMilliseconds, options.maxBatchSize);
  }

  prepare(): Promise<void> | undefined {
    const { handler, exportName, loadTimeoutMs } = this.#listener;
    return this.#pool.checkHandler(handler, exportName, this.#context, loadTimeoutMs);
  }

  wanted(): number {
    // At least `concurrency` per task, or a thread's lanes would idle: the sizer, which measures
    // handler time, keeps slow (I/O-bound) messages at one per task.
    const slots = this.#sizer.taskMilliseconds < kShortTaskMilliseconds ? this.#shortTaskSlots : this.#slots;
    return this.#inFlight < slots ? Math.max(this.#sizer.size, this.#listener.concurrency) : 0;
  }

  async submit(batch: MessageContract[], emit: Emit): Promise<void> {
    this.#inFlight += 1;
    try {
      let result: BatchResult | null;
      // With a time limit every task has a thread to itself (see `#run`).
      const isolated = this.#listener.timeoutMs !== undefined;
      try {
        result = await this.#run(batch, isolated);
      } catch (error) {
        if (batch.length === 1 && isolated) {
          emit(0, 1, undefined, [error]);
          return;
        }
        // The thread died (or timed out) mid-batch, or while this task waited in it behind
        // another (a thread holds its next task): find the culprit by running each message
        // alone, on a thread of its own.
        const retry = (msg: MessageContract, i: number): Promise<void> => this.#run([msg], true).then(
          (single) => {
            this.#sizer.record(1, single?.elapsed ?? 0);
            this.#emitAll(i, single, emit);
          },
          (singleError: unknown) => emit(i, 1, undefined, [singleError]),
        );
        if (this.#listener.timeoutMs === undefined) {
          await Promise.all(batch.map(retry));
        } else {
          // One at a time: a task queued in the pool would spend its time limit waiting.
          for (let i = 0; i < batch.length; i += 1) await retry(batch[i]!, i);
        }
        return;
      }
      this.#sizer.record(batch.length, result?.elapsed ?? 0);
      this.#emitAll(0, result, emit);
    } finally {
      this.#inFlight -= 1;
    }
  }

  /**
   * Runs a batch in a thread (`isolated`: on a thread of its own). With a `timeoutMs`, a
   * batch (always isolated) gets that limit on top of twice the
   * time its messages are expected to take (from the measured per-message time), so a stuck
   * message is caught about `timeoutMs` after its batch started, whatever the batch size; past
   * it the thread is ended and the task rejects with a `TimeoutError`.
   */
  async #run(batch: MessageContract[], isolated: boolean): Promise<BatchResult | null> {
    const { handler, exportName, timeoutMs, concurrency } = this.#listener;
    // Read through the getters: class instances (UniqueMessage's private fields) do not
    // survive structured cloning. Arrays made by `map` (packed, allocated once), not
    // `new Array(count)`: structured cloning writes a holey array as a sparse one (index and
    // value per element) and reads it back element by element through the slow path, about
    // a quarter more per crossing.
    const payloads = batch.map(payloadOf);
    const first = batch.length > 0 ? batch[0]!.type : '';
    let uniform = true;
    for (let i = 1; i < batch.length && uniform; i += 1) uniform = batch[i]!.type === first;
    const types: string | string[] = uniform ? first : batch.map(typeOf);
    const task = { handler, exportName, types, payloads, context: this.#context, concurrency };
    if (timeoutMs === undefined) {
      // A task with a signal gets a thread to itself (piscina gives such a task an idle thread,
      // and that thread nothing else until it is done): a retry cannot die of another task.
      return isolated ? this.#pool.run(task, new AbortController().signal) : this.#pool.run(task);
    }
    const expected = batch.length > 1 ? 2 * batch.length * (this.#sizer.perMessageMilliseconds || 0) : 0;
    const budget = Math.ceil(timeoutMs + expected);
    const signal = AbortSignal.timeout(budget);
    try {
      return await this.#pool.run(task, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      const timeout = new Error(
        batch.length === 1
          ? `Handler took longer than ${timeoutMs} ms; its thread was replaced`
          : `A batch of ${batch.length} messages took longer than ${budget} ms`,
        { cause: error },
      );
      timeout.name = 'TimeoutError';
      throw timeout;
    }
  }

  #emitAll(start: number, result: BatchResult | null, emit: Emit): void {
    if (result === null) throw new Error('internal: a batch task returned no result');
    const data = result.data ?? decodeResults(result.encoded!);
    const errors = result.errors === null ? undefined : result.errors.map((error) => (error === undefined ? undefined : reviveError(error)));
    emit(start, data.length, data, errors);
  }
}

/**
 * Runs a plain listener's `onMessage` on the main thread, at most `concurrency` at a time
 * (p-queue): async handlers overlap, which is what I/O-bound work needs.
 */
export class MainThreadExecutor implements Executor {
  readonly #listener: MessageQueueListener;
  readonly #queue: PQueue;
  readonly #concurrency: number;

  constructor(listener: MessageQueueListener, concurrency: number) {
    this.#listener = listener;
    this.#concurrency = concurrency;
    this.#queue = new PQueue({ concurrency });
  }

  prepare(): undefined {
    return undefined;
  }

  wanted(): number {
    // Keep as many waiting as running, so a finishing handler finds the next one ready.
    return Math.max(0, 2 * this.#concurrency - (this.#queue.size + this.#queue.pending));
  }

  async submit(batch: MessageContract[], emit: Emit): Promise<void> {
    const listener = this.#listener;
    await Promise.all(batch.map((msg, i) => this.#queue.add(() => listener.onMessage(msg)).then(
      () => emit(i, 1, undefined, undefined),
      (error: unknown) => emit(i, 1, undefined, [error]),
    )));
  }
}
