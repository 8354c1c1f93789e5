/**
 * The service's processing jobs: each runs a `ProcessingJob` and writes its events into a log
 * (an `EventHistory`) that any number of streams read, each from the start or from its
 * `Last-Event-ID`. Finished jobs are kept for a while (bounded in time and count) so that late
 * readers still get their results, then forgotten.
 */
import { Doorbell } from '../../../engine/doorbell.js';
import { errorParts } from '../../../engine/errors.js';
import { JOB_EVENT_END, ProcessingJob, type JobEvent, type JobState, type JobSummary } from '../../../engine/jobs/processing-job.js';
import { MESSAGE_TYPE_INTERNAL_ERROR } from '../../../engine/message.js';
import { describeValue } from '../../../engine/validation.js';
import { EventHistory, newEpoch } from '../event-history.js';
import type { StreamEvent } from '../sse-format.js';
import type { JobHandler } from './job-handlers.js';

/** Settings of a service's jobs. */
export interface JobSettings {
  /**
   * Events kept per job for its readers (results, failed rows, progress, end). A reader that
   * comes later than this many events, or falls this far behind, gets the `_eric_events_lost`
   * event and the rest. The default keeps every event of a 10,000-row job (and of a
   * 90,000-row one) for a reader that connects after it ended.
   * @default 100000
   */
  historySize: number;
  /** How long a finished job is kept (status, results for late readers), in milliseconds. @default 900000 (15 min) */
  keepFinishedMs: number;
  /** Most finished jobs kept; the oldest finished is forgotten first. @default 20 */
  maxFinishedJobs: number;
  /** Most worker threads a job may use: a request asking for more gets this many. @default os.availableParallelism() */
  maxWorkers: number;
  /** Largest JSON body of `POST /jobs`, in bytes (NDJSON bodies are streamed and unlimited). @default 67108864 (64 MiB) */
  bodyLimit: number;
}

/** What a job is asked to do. */
export interface JobRequest {
  /** The handler to run. */
  handler: JobHandler;
  /** Worker threads (already capped at `maxWorkers`). */
  workers: number;
  /** Results in row order. */
  ordered: boolean;
  /** Rows in all, when known. */
  total?: number | undefined;
}

/** A job as `GET /jobs` and `GET /jobs/J` describe it. */
export interface JobStatus {
  /** The job's id. */
  id: string;
  /** Name of its handler. */
  handler: string;
  /** `running`, `completed`, `cancelled` or `failed`. */
  state: JobState;
  /** Worker threads it runs on. */
  workers: number;
  /** Whether results come in row order. */
  ordered: boolean;
  /** Rows finished (failed ones included). */
  done: number;
  /** Rows that failed. */
  failed: number;
  /** Rows in all, when known. */
  total?: number;
  /** Rows per second lately (0 once ended). */
  rowsPerSecond: number;
  /** When it was created, ISO 8601. */
  createdAt: string;
  /** When it ended, ISO 8601; absent while it runs. */
  endedAt?: string;
  /** Time it has run (its whole run once ended), in milliseconds. */
  elapsedMs: number;
  /** Why the job itself failed (not a row: say, its module cannot be loaded). */
  error?: string;
}

/** An unknown (or forgotten) job id: answered 404. */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
  /** The HTTP status the service answers with. */
  readonly statusCode = 404;
}

/** One job of the store: the engine's job and its log. */
export class StoredJob {
  /** The engine's job. */
  readonly job: ProcessingJob;
  /** The handler's name. */
  readonly handler: string;
  /** The job's events, with ids; what streams read. */
  readonly history: EventHistory;
  /** Rung on every new event. */
  readonly #updates = new Doorbell();
  /** Rows per second in the last progress event. */
  #rowsPerSecond = 0;
  /** The summary, once ended. */
  #summary: JobSummary | undefined;
  /** Resolves with the summary when the job ends. */
  readonly finished: Promise<JobSummary>;

  constructor(rows: AsyncIterable<unknown> | Iterable<unknown>, request: JobRequest, history: EventHistory, onRows: (done: number, failed: number) => void) {
    this.handler = request.handler.name;
    this.history = history;
    this.job = new ProcessingJob(rows, {
      handler: request.handler.module,
      exportName: request.handler.exportName,
      workers: request.workers,
      ordered: request.ordered,
      ...(request.total === undefined ? {} : { total: request.total }),
      onEvent: (event) => this.#record(event, onRows),
    });
    this.finished = this.job.run().then((summary) => {
      this.#summary = summary;
      this.#rowsPerSecond = 0;
      return summary;
    });
  }

  /** The job's id. */
  get id(): string {
    return this.job.id;
  }

  /** Rows per second lately (0 once ended). */
  get rowsPerSecond(): number {
    return this.#rowsPerSecond;
  }

  /** The job as `GET /jobs/J` describes it. */
  status(): JobStatus {
    const { job } = this;
    const status: JobStatus = {
      id: job.id,
      handler: this.handler,
      state: job.state,
      workers: job.workers,
      ordered: job.ordered,
      ...job.counts,
      rowsPerSecond: this.#rowsPerSecond,
      createdAt: new Date(job.createdAt).toISOString(),
      elapsedMs: job.elapsedMs,
    };
    if (job.endedAt !== undefined) status.endedAt = new Date(job.endedAt).toISOString();
    if (this.#summary?.error !== undefined) status.error = this.#summary.error;
    return status;
  }

  /**
   * The job's events for one reader, as the event-stream writer takes them: after
   * `lastEventId` (from the first event when absent), a `_eric_events_lost` event first when
   * some are no longer kept, then live ones as they come; ends after `end`, or when `signal`
   * aborts.
   */
  async *events(lastEventId: string | undefined, signal: AbortSignal): AsyncGenerator<StreamEvent, void, undefined> {
    // `<epoch>-0` is "before the first event": the replay is then the whole kept log.
    const origin = `${this.history.epoch}-0`;
    let cursor = lastEventId ?? origin;
    while (!signal.aborted) {
      const replay = this.history.since(cursor);
      if (replay.lost) {
        yield replay.lost;
        // An unknown id has no place in the log: go on from now.
        if (replay.events.length === 0) cursor = this.history.lastId ?? origin;
      }
      for (const event of replay.events) {
        yield event;
        cursor = event.id;
        if (event.event === JOB_EVENT_END) return;
      }
      if (replay.lost || replay.events.length > 0) continue;
      // Nothing new. An ended job has written its last event (a reader past it is done);
      // else wait for the next (since() and wait() run in one tick: no event slips between).
      if (this.job.state !== 'running') return;
      try {
        await this.#updates.wait(signal);
      } catch {
        return;
      }
    }
  }

  #record(event: JobEvent, onRows: (done: number, failed: number) => void): void {
    if (event.event === 'progress') this.#rowsPerSecond = (event.data as { rowsPerSecond: number }).rowsPerSecond;
    if (event.event === 'result' || event.event === MESSAGE_TYPE_INTERNAL_ERROR) onRows(1, event.event === MESSAGE_TYPE_INTERNAL_ERROR ? 1 : 0);
    this.history.record(toStreamEvent(event));
    this.#updates.ring();
  }
}

/**
 * A job event in its wire form: data as JSON. A result that JSON cannot represent (a BigInt,
 * a cycle) becomes an `_eric_error` event for its row, naming why.
 */
function toStreamEvent(event: JobEvent): StreamEvent {
  try {
    return { event: event.event, data: JSON.stringify(event.data) ?? 'null' };
  } catch (error) {
    const index = (event.data as { index?: unknown } | null)?.index;
    const { name, message } = errorParts(error);
    return { event: MESSAGE_TYPE_INTERNAL_ERROR, data: JSON.stringify({ index, name, message: `The result cannot be sent as JSON: ${message}` }) };
  }
}

/** Counts for metrics, across every job the store ever ran. */
export interface JobTotals {
  /** Rows finished (failed ones included). */
  rowsProcessed: number;
  /** Rows that failed. */
  rowsFailed: number;
}

/** The jobs of one service. */
export class JobStore {
  /** The settings, all set. */
  readonly settings: Readonly<JobSettings>;
  /** Cumulative row counts (forgotten jobs included). */
  readonly totals: JobTotals = { rowsProcessed: 0, rowsFailed: 0 };
  readonly #jobs = new Map<string, StoredJob>();
  /** Ids of finished jobs, oldest first, with when each is forgotten. */
  readonly #finished = new Map<string, NodeJS.Timeout>();
  /** One epoch for this service run, as for listeners' streams. */
  readonly #epoch = newEpoch();
  /** Open job streams, each ended by `close()` once the jobs have ended. */
  readonly #streams = new Map<AbortController, Promise<void>>();
  #closed = false;

  constructor(settings: JobSettings) {
    this.settings = settings;
  }

  /** Starts a job over `rows` and keeps it. Throws a TypeError/RangeError for bad options. */
  start(rows: AsyncIterable<unknown> | Iterable<unknown>, request: JobRequest): StoredJob {
    if (this.#closed) throw new Error('The service is closing: no new jobs');
    const history = new EventHistory({ capacity: this.settings.historySize, epoch: this.#epoch });
    const stored = new StoredJob(rows, request, history, (done, failed) => {
      this.totals.rowsProcessed += done;
      this.totals.rowsFailed += failed;
    });
    this.#jobs.set(stored.id, stored);
    void stored.finished.then(() => this.#onFinished(stored.id));
    return stored;
  }

  /** The job with this id; throws {@link UnknownJobError} (404) if none (or forgotten). */
  get(id: string): StoredJob {
    const stored = this.#jobs.get(id);
    if (!stored) throw new UnknownJobError(`No job with id ${JSON.stringify(id)} (finished jobs are kept ${Math.round(this.settings.keepFinishedMs / 1000)} s)`);
    return stored;
  }

  /** Every kept job, oldest first. */
  list(): StoredJob[] {
    return [...this.#jobs.values()];
  }

  /** Kept jobs by state. */
  countByState(): Record<JobState, number> {
    const counts: Record<JobState, number> = { running: 0, completed: 0, cancelled: 0, failed: 0 };
    for (const stored of this.#jobs.values()) counts[stored.job.state] += 1;
    return counts;
  }

  /** How many job streams are open. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /**
   * Registers an open job stream: its `signal` aborts when the service closes (after the jobs
   * have ended and the stream had a moment to send `end`); call `end()` once it has ended.
   */
  trackStream(): { signal: AbortSignal; end: () => void } {
    const controller = new AbortController();
    let end!: () => void;
    this.#streams.set(controller, new Promise<void>((resolve) => (end = resolve)));
    return {
      signal: controller.signal,
      end: () => {
        this.#streams.delete(controller);
        end();
      },
    };
  }

  /**
   * Cancels every running job and refuses new ones; once the jobs have ended, gives open
   * streams up to `graceMs` to send their last events, then ends them. Resolves when all have ended.
   */
  async close(graceMs = 1000): Promise<void> {
    this.#closed = true;
    const running = this.list().filter((stored) => stored.job.state === 'running');
    for (const stored of running) stored.job.cancel();
    await Promise.all(running.map((stored) => stored.finished));
    for (const timer of this.#finished.values()) clearTimeout(timer);
    const streams = [...this.#streams];
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(streams.map(([, ended]) => ended)), grace]);
    clearTimeout(timer);
    for (const [controller] of streams) controller.abort();
    await Promise.all(streams.map(([, ended]) => ended));
  }

  #onFinished(id: string): void {
    const timer = setTimeout(() => this.#forget(id), this.settings.keepFinishedMs);
    timer.unref();
    this.#finished.set(id, timer);
    while (this.#finished.size > this.settings.maxFinishedJobs) {
      const oldest = this.#finished.keys().next().value as string;
      this.#forget(oldest);
    }
  }

  #forget(id: string): void {
    clearTimeout(this.#finished.get(id));
    this.#finished.delete(id);
    this.#jobs.delete(id);
  }
}

/** Checks a job setting: an integer of at least `min`; a RangeError naming it otherwise. */
export function checkJobSetting(name: keyof JobSettings, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`jobs.${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}
