/**
 * A processing job: a finite (or streamed) set of rows run through a handler module in worker
 * threads by a `DataProcessingChannel` of its own, reported as a log of events — one per
 * result, one per failed row, progress at most every `progressIntervalMs`, and a last `end`.
 * The HTTP service streams that log to browsers; anything else can consume it too.
 */
import { randomUUID } from 'node:crypto';
import { DataProcessingChannel } from '../data-processing-channel.js';
import { Doorbell } from '../doorbell.js';
import { errorParts } from '../errors.js';
import { Message, MESSAGE_TYPE_INTERNAL_ERROR, UniqueMessage, type Payload } from '../message.js';
import { describeValue, optionsObject, positiveInteger } from '../validation.js';
import { WorkerListener } from '../worker-listener.js';
import { RowError } from './rows.js';
import { untilAborted } from '../until-aborted.js';

/** Where a job is in its life. */
export type JobState = 'running' | 'completed' | 'cancelled' | 'failed';

/** Type of the event for a row's result: data `{ index, data }`. */
export const JOB_EVENT_RESULT = 'result';
/** Type of the periodic progress event: data {@link JobProgress}. */
export const JOB_EVENT_PROGRESS = 'progress';
/** Type of the last event of a job: data {@link JobSummary}. */
export const JOB_EVENT_END = 'end';

/** Data of a progress event. */
export interface JobProgress {
  /** Rows finished, failed ones included. */
  done: number;
  /** Rows that failed. */
  failed: number;
  /** Rows in all, when known in advance. */
  total?: number;
  /** Rows finished per second over the last second or so. */
  rowsPerSecond: number;
}

/** Data of the `end` event: how the job went. */
export interface JobSummary {
  /** Rows finished, failed ones included. */
  done: number;
  /** Rows that failed. */
  failed: number;
  /** Whether the job was cancelled (rows not started were skipped). */
  cancelled: boolean;
  /** Time from start to end, in milliseconds. */
  elapsedMs: number;
  /** Why the job itself failed (say, its handler module cannot be loaded); absent otherwise. */
  error?: string;
}

/** One event of a job's log. */
export interface JobEvent {
  /** `result`, `_eric_error` (a failed row: data `{ index, name, message }`), `progress` or `end`. */
  event: string;
  /** The event's data (JSON-compatible). */
  data: unknown;
}

/** Options of {@link ProcessingJob}. */
export interface ProcessingJobOptions {
  /** The handler module (a `file:` URL or a path), as for `WorkerListener`. */
  handler: string | URL;
  /** The module's export to call. @default 'default' */
  exportName?: string;
  /** Worker threads. */
  workers: number;
  /** Report results in row order instead of completion order. @default false */
  ordered?: boolean;
  /** Rows in all, when known (it appears in progress events). */
  total?: number;
  /** Least time between two progress events, in milliseconds. @default 100 */
  progressIntervalMs?: number;
  /**
   * Most rows read but not yet finished: reading the input waits beyond it, so a streamed
   * input of any size is held in memory only this far ahead of processing.
   * @default 4096
   */
  maxPendingRows?: number;
  /** The job's id. @default a fresh UUID */
  id?: string;
  /** Receives every event of the job's log, in order. */
  onEvent: (event: JobEvent) => void;
}


/** Whether `value` is a promise or another thenable (what an async iterator's `next()` gives). */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Rows per second over a sliding window of about a second. */
class RateMeter {
  readonly #samples: Array<{ at: number; done: number }> = [];

  rate(now: number, done: number): number {
    this.#samples.push({ at: now, done });
    while (this.#samples.length > 2 && now - this.#samples[1]!.at >= 1000) this.#samples.shift();
    const first = this.#samples[0]!;
    const seconds = (now - first.at) / 1000;
    return seconds > 0 ? Math.round((done - first.done) / seconds) : 0;
  }
}

/**
 * Runs rows through a handler in worker threads and reports each outcome as an event.
 * A failing row never stops the job; `cancel()` stops reading and starting rows.
 *
 * @example
 * ```js
 * const job = new ProcessingJob([1, 2, 3], { handler: './square.js', workers: 2, onEvent: console.log });
 * const summary = await job.run();
 * ```
 */
export class ProcessingJob {
  /** The job's id. */
  readonly id: string;
  /** Worker threads the job runs on. */
  readonly workers: number;
  /** Whether results are reported in row order. */
  readonly ordered: boolean;
  /** Rows in all, when known in advance. */
  readonly total: number | undefined;
  /** When the job was created (ms since the epoch). */
  readonly createdAt = Date.now();
  #state: JobState = 'running';
  #done = 0;
  #failed = 0;
  #endedAt: number | undefined;
  #started = false;
  #summary: Promise<JobSummary> | undefined;
  #channel: DataProcessingChannel | undefined;
  readonly #rows: AsyncIterable<unknown> | Iterable<unknown>;
  readonly #options: ProcessingJobOptions;
  readonly #progressIntervalMs: number;
  readonly #maxPendingRows: number;
  readonly #cancel = new AbortController();
  readonly #finished = new Doorbell();
  readonly #rate = new RateMeter();
  /** Rows that failed while being read, held back until their turn in ordered mode. */
  readonly #heldErrors = new Map<number, JobEvent>();
  /** Next row index to report, in ordered mode. */
  #nextToReport = 0;

  /**
   * @param rows - the rows (any JSON-compatible values); a `RowError` among them is reported as
   *   a failed row. Read lazily, at most `maxPendingRows` ahead of processing.
   * @param options - handler, workers, order, and the event receiver.
   */
  constructor(rows: AsyncIterable<unknown> | Iterable<unknown>, options: ProcessingJobOptions) {
    const checked = optionsObject('ProcessingJob', options);
    if (rows === null || typeof rows !== 'object' || !(Symbol.asyncIterator in rows || Symbol.iterator in rows)) {
      throw new TypeError(`ProcessingJob rows must be an iterable or async iterable, got ${describeValue(rows)}`);
    }
    if (typeof checked.onEvent !== 'function') throw new TypeError(`ProcessingJob option "onEvent" must be a function, got ${describeValue(checked.onEvent)}`);
    this.workers = positiveInteger('ProcessingJob option "workers"', checked.workers);
    this.ordered = checked.ordered ?? false;
    if (typeof this.ordered !== 'boolean') throw new TypeError(`ProcessingJob option "ordered" must be a boolean, got ${describeValue(this.ordered)}`);
    this.total = checked.total === undefined ? undefined : positiveInteger('ProcessingJob option "total"', checked.total);
    this.#progressIntervalMs = positiveInteger('ProcessingJob option "progressIntervalMs"', checked.progressIntervalMs ?? 100);
    this.#maxPendingRows = positiveInteger('ProcessingJob option "maxPendingRows"', checked.maxPendingRows ?? 4096);
    this.id = checked.id ?? randomUUID();
    this.#rows = rows;
    this.#options = checked;
  }

  /** Where the job is in its life. */
  get state(): JobState {
    return this.#state;
  }

  /** Rows finished so far (failed ones included), rows failed, and the total when known. */
  get counts(): { done: number; failed: number; total?: number } {
    return this.total === undefined ? { done: this.#done, failed: this.#failed } : { done: this.#done, failed: this.#failed, total: this.total };
  }

  /** Time since the job started, or its whole run once ended, in milliseconds. */
  get elapsedMs(): number {
    return (this.#endedAt ?? Date.now()) - this.createdAt;
  }

  /** When the job ended (ms since the epoch), or `undefined` while it runs. */
  get endedAt(): number | undefined {
    return this.#endedAt;
  }

  /** Worker threads running the handler now (0 once the job has ended). */
  get busyWorkers(): number {
    return this.#channel?.busyWorkers ?? 0;
  }

  /** Runs the job (once; later calls return the same promise) and resolves with its summary. Never rejects. */
  run(): Promise<JobSummary> {
    this.#summary ??= this.#run();
    return this.#summary;
  }

  /** Stops reading and starting rows; rows already running finish or are dropped, and the job ends cancelled. */
  cancel(): void {
    if (this.#state === 'running') this.#cancel.abort(new Error('cancelled'));
  }

  async #run(): Promise<JobSummary> {
    this.#started = true;
    const channel = new DataProcessingChannel({ maxWorkers: this.workers });
    this.#channel = channel;
    const listener = new WorkerListener(this.#options.handler, this.#options.exportName ? { name: this.#options.exportName } : {});
    channel.registerListener(listener);
    const timer = setInterval(() => this.#reportProgress(), this.#progressIntervalMs);
    let lastProgress = -1;
    this.#reportProgress = () => {
      if (this.#done === lastProgress) return;
      lastProgress = this.#done;
      this.#emit(JOB_EVENT_PROGRESS, this.#progress());
    };
    let error: string | undefined;
    let closing: Promise<void> | undefined;
    const reading = this.#feed(channel, listener.id);
    try {
      const events = channel.processQueue(listener, { ordered: this.ordered, signal: this.#cancel.signal });
      for await (const event of events) this.#onResult(Number(event.id), event.event, event.data);
      const readError = await reading;
      if (readError !== undefined) error = readError;
    } catch (failure) {
      if (!this.#cancel.signal.aborted) {
        error = errorParts(failure).message;
        this.#cancel.abort(failure);
      }
      await reading;
    } finally {
      clearInterval(timer);
      // Every result is in: the pool winds down while `end` goes out (its threads take tens of
      // milliseconds to stop, which readers need not wait for); `run()` resolves once it has.
      closing = channel.close().catch(() => undefined);
    }
    for (const held of [...this.#heldErrors.keys()].sort((a, b) => a - b)) this.#emitHeld(held);
    const cancelled = this.#cancel.signal.aborted && error === undefined;
    this.#state = error !== undefined ? 'failed' : cancelled ? 'cancelled' : 'completed';
    this.#endedAt = Date.now();
    this.#reportProgress();
    const summary: JobSummary = { done: this.#done, failed: this.#failed, cancelled, elapsedMs: this.elapsedMs };
    if (error !== undefined) summary.error = error;
    this.#emit(JOB_EVENT_END, summary);
    await closing;
    this.#channel = undefined;
    return summary;
  }

  /** Set by `#run`: emits a progress event when something changed since the last one. */
  #reportProgress: () => void = () => undefined;

  /**
   * Reads rows and dispatches each (as a `UniqueMessage` whose id is its index), at most
   * `maxPendingRows` ahead of the results; then the closed message. Resolves with a
   * description of a failure to read the input, if any (the rows read before it still run).
   */
  async #feed(channel: DataProcessingChannel, listenerId: string): Promise<string | undefined> {
    const stop = this.#cancel.signal;
    let index = 0;
    let failure: string | undefined;
    const iterator = Symbol.asyncIterator in this.#rows ? this.#rows[Symbol.asyncIterator]() : this.#rows[Symbol.iterator]();
    try {
      for (;;) {
        while (index - this.#done >= this.#maxPendingRows && !stop.aborted) await this.#finished.wait(stop).catch(() => undefined);
        if (stop.aborted) break;
        const step = iterator.next();
        // Only an async source can block (a client that stopped sending): race it with a
        // cancel. A sync one (an array of rows) answers at once, without a listener per row.
        const next = isThenable(step) ? await untilAborted(Promise.resolve(step), stop) : step;
        if (next === undefined || next.done) break;
        const row: unknown = next.value;
        if (row instanceof RowError) {
          this.#onReadError(index, row);
        } else {
          await channel.dispatch(listenerId, new UniqueMessage(String(index), new Message('row', row as Payload)));
        }
        index += 1;
      }
    } catch (error) {
      failure = `Reading the rows failed after ${index} rows: ${errorParts(error).message}`;
    } finally {
      // Not awaited: a source blocked in a read (a client that stopped sending) settles it late.
      Promise.resolve(iterator.return?.()).catch(() => undefined);
      await channel.notifyEnd();
    }
    return failure;
  }

  #onReadError(index: number, error: RowError): void {
    const event: JobEvent = { event: MESSAGE_TYPE_INTERNAL_ERROR, data: { index, name: error.name, message: error.message } };
    this.#done += 1;
    this.#failed += 1;
    this.#finished.ring();
    if (!this.ordered) this.#emit(event.event, event.data);
    else if (index === this.#nextToReport) {
      this.#nextToReport += 1;
      this.#emit(event.event, event.data);
      this.#emitHeldFrom(this.#nextToReport);
    } else this.#heldErrors.set(index, event);
  }

  #onResult(index: number, type: string, data: unknown): void {
    if (this.ordered) {
      this.#emitHeldFrom(this.#nextToReport, index);
      this.#nextToReport = index + 1;
    }
    this.#done += 1;
    if (type === MESSAGE_TYPE_INTERNAL_ERROR) {
      this.#failed += 1;
      const { name, message } = data as { name: string; message: string };
      this.#emit(MESSAGE_TYPE_INTERNAL_ERROR, { index, name, message });
    } else {
      this.#emit(JOB_EVENT_RESULT, { index, data });
    }
    this.#finished.ring();
    if (this.ordered) this.#emitHeldFrom(this.#nextToReport);
  }

  /** Emits held read errors from `from` on, in order, while they are contiguous (and below `before`). */
  #emitHeldFrom(from: number, before = Number.POSITIVE_INFINITY): void {
    let index = from;
    while (index < before && this.#heldErrors.has(index)) {
      this.#emitHeld(index);
      index += 1;
      this.#nextToReport = index;
    }
  }

  #emitHeld(index: number): void {
    const event = this.#heldErrors.get(index);
    if (event === undefined) return;
    this.#heldErrors.delete(index);
    this.#emit(event.event, event.data);
  }

  #progress(): JobProgress {
    const progress: JobProgress = { done: this.#done, failed: this.#failed, rowsPerSecond: this.#rate.rate(Date.now(), this.#done) };
    if (this.total !== undefined) progress.total = this.total;
    return progress;
  }

  #emit(event: string, data: unknown): void {
    try {
      this.#options.onEvent({ event, data });
    } catch {
      // A failing receiver must not stop the job: it is the receiver's to report.
    }
  }

  /** Whether `run()` was called. */
  get isStarted(): boolean {
    return this.#started;
  }
}
