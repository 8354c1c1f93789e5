import { debuglog } from 'node:util';
import { BroadcastChannel, type ResourceLimits } from 'node:worker_threads';
import { expose } from 'comlink';
import { Piscina } from 'piscina';
import { describeError, errorParts } from '../errors.js';
import { LinkedSignal } from '../linked-signal.js';
import type { ChannelCallbacks } from '../worker-listener.js';
import type { BatchResult, BatchTask, ContextAddress } from './protocol.js';

const debug = debuglog('eric-sse');

/** The error for a handler module that could not be loaded, saying why as plainly as possible. */
function loadError(handler: string, error: unknown, timedOutAfterMs: number | undefined, limits: ResourceLimits | undefined): Error {
  if (timedOutAfterMs !== undefined) {
    const timeout = new Error(
      `Loading handler module ${handler} timed out after ${timedOutAfterMs} ms (WorkerListener option loadTimeoutMs); its thread was ended`,
      { cause: error },
    );
    timeout.name = 'TimeoutError';
    return timeout;
  }
  const message = describeError(error);
  if ((error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY' && limits !== undefined) {
    return new Error(
      `Worker threads ran out of memory while loading handler module ${handler}: the resourceLimits ${JSON.stringify(limits)} are probably too small for it (${message})`,
      { cause: error },
    );
  }
  return new Error(message.includes(handler) ? errorParts(error).message : `Cannot load handler module ${handler}: ${message}`, { cause: error });
}

/** Most tasks a thread is handed at once (it runs them one after another). */
export const kTasksPerThread = 4;

/** The task entry every thread runs (compiled next to this module's tree). */
const kTaskEntry = new URL('../../workers/process-batch.js', import.meta.url).href;

/** Options of `WorkerPool`. */
export interface WorkerPoolOptions {
  /** Most threads at once. */
  maxThreads: number;
  /** Per-thread V8 limits (a thread that exceeds them dies and is replaced). */
  resourceLimits?: ResourceLimits;
  /** Id of the owning channel (handed to handlers as `ctx.channelId`). */
  channelId: string;
  /** What `ctx.dispatch` / `ctx.broadcast` call on the main thread. */
  callbacks: ChannelCallbacks;
  /** Time `close()` lets running tasks finish before it ends their threads, in milliseconds. */
  closeTimeoutMs: number;
  /** `'sleep'`: idle threads block until their next task; `'run'`: their event loop keeps turning. */
  idleThreads: 'sleep' | 'run';
}

/**
 * The piscina pool of one `DataProcessingChannel`, plus the Comlink endpoint that handlers'
 * `ctx` calls into. Created lazily by the channel, ended by `close()`.
 */
export class WorkerPool {
  readonly #piscina: Piscina<BatchTask, BatchResult | null>;
  readonly #endpoint: BroadcastChannel;
  readonly #endpointName: string;
  readonly #channelId: string;
  readonly #resourceLimits: ResourceLimits | undefined;
  /** Handler modules that passed the load check (module URL + export). */
  readonly #checked = new Map<string, Promise<void>>();
  /** The keys of `#checked` whose check has passed: nothing left to wait for. */
  readonly #passed = new Set<string>();
  readonly #maxThreads: number;
  /** Settles once every thread of the pool has started (piscina's 'workerCreate' for each). */
  readonly #allStarted: Promise<void>;
  /** Aborted by `close()`: ends load checks still running (a module that never finishes loading). */
  readonly #closing = new AbortController();
  /** Tasks handed to piscina and not yet settled (load checks excluded). */
  #running = 0;

  constructor(options: WorkerPoolOptions) {
    this.#channelId = options.channelId;
    this.#resourceLimits = options.resourceLimits;
    this.#piscina = new Piscina<BatchTask, BatchResult | null>({
      filename: kTaskEntry,
      maxThreads: options.maxThreads,
      // Every thread starts with the pool (which the channel creates on the first
      // processQueue of a WorkerListener): a thread spawned mid-run costs tens of
      // milliseconds of start-up and JIT warm-up on the very messages it was meant to speed up.
      minThreads: options.maxThreads,
      // Only threads above minThreads ever idle out, so this is a guard for the future rather
      // than a tuning knob: never 0, which churns threads on bursty queues.
      idleTimeout: 30_000,
      // 'disabled' (the channel's `idleThreads: 'run'`): tasks arrive as 'message' events
      // and an idle thread's event loop keeps running, so that a handler module's timers
      // and sockets progress between tasks; the fastest setting measured here ('async',
      // Atomics.waitAsync, came close). 'sync' (piscina's default, `idleThreads: 'sleep'`):
      // an idle thread blocks in Atomics.wait and reads its next task straight off the
      // port: a little less CPU per task, but waking it took longer than a small batch runs.
      atomics: options.idleThreads === 'run' ? 'disabled' : 'sync',
      // Each thread holds its next tasks while it runs one (the batch runner runs them one
      // after another), so a thread that finishes a batch starts the next at once instead of
      // idling for a round trip through the main thread (how many the executor keeps in
      // flight: see PoolExecutor). A task with a signal (a time limit) still gets a thread
      // to itself.
      concurrentTasksPerWorker: kTasksPerThread,
      // Timing histograms cost per task and we measure handler time ourselves.
      recordTiming: false,
      // After this, close() ends threads whose tasks still run (their messages were handed back).
      closeTimeout: options.closeTimeoutMs,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    // piscina emits 'error' when a thread dies with no task in flight (it is replaced, and no
    // message was lost); an emitter without an 'error' listener would crash the process.
    this.#piscina.on('error', (error: unknown) => debug('a worker thread died while idle: %o', error));
    // piscina emits 'workerCreate' when a thread is ready for tasks.
    this.#maxThreads = options.maxThreads;
    this.#allStarted = new Promise<void>((resolve) => {
      let started = 0;
      this.#piscina.on('workerCreate', () => {
        started += 1;
        if (started >= options.maxThreads) resolve();
      });
    });
    this.#endpointName = `eric-sse:${options.channelId}:${Math.random().toString(36).slice(2)}`;
    this.#endpoint = new BroadcastChannel(this.#endpointName);
    // The callback endpoint must never keep the process alive by itself.
    (this.#endpoint as unknown as { unref(): void }).unref();
    expose(options.callbacks, this.#endpoint as unknown as Parameters<typeof expose>[1]);
  }

  /** Where handlers' `ctx` for `listenerId` calls back to. */
  addressFor(listenerId: string): ContextAddress {
    return { endpoint: this.#endpointName, channelId: this.#channelId, listenerId };
  }

  /**
   * Runs one task in a thread. Rejects when the thread dies (or the pool closes) meanwhile,
   * and when `signal` aborts: piscina then ends the thread (and starts another).
   */
  run(task: BatchTask, signal?: AbortSignal): Promise<BatchResult | null> {
    const running = signal ? this.#piscina.run(task, { signal }) : this.#piscina.run(task);
    this.#running += 1;
    const settled = (): void => {
      this.#running -= 1;
    };
    running.then(settled, settled);
    return running;
  }

  /** Threads running a task now (tasks in flight, at most the pool's size): for metrics. */
  get busyThreads(): number {
    return Math.min(this.#running, this.#maxThreads);
  }

  /**
   * Imports the handler module in a thread and checks its export, once per module and
   * export; `undefined` once that check has passed. Rejects with an Error that names the module when it cannot be loaded, and when
   * loading takes longer than `loadTimeoutMs` (the thread is then ended and replaced).
   */
  checkHandler(handler: string, exportName: string, context: ContextAddress, loadTimeoutMs: number): Promise<void> | undefined {
    const key = `${handler}#${exportName}`;
    if (this.#passed.has(key)) return undefined;
    let check = this.#checked.get(key);
    if (check === undefined) {
      const timeout = AbortSignal.timeout(loadTimeoutMs);
      const bound = new LinkedSignal([timeout, this.#closing.signal]);
      const task = { handler, exportName, types: [], payloads: [], check: true, context };
      check = this.#piscina.run(task, { signal: bound.signal }).then(
        () => {
          bound.dispose();
          this.#passed.add(key);
        },
        (error: unknown) => {
          bound.dispose();
          this.#checked.delete(key); // a fixed module may pass later
          throw loadError(handler, error, timeout.aborted ? loadTimeoutMs : undefined, this.#resourceLimits);
        },
      );
      this.#checked.set(key, check);
    }
    return check;
  }

  /**
   * Waits until every thread has started, then has each import the handler module (one load
   * check per thread, each on a thread of its own, all at once). Bounded like `checkHandler`
   * by `loadTimeoutMs`, and ended by `close()`; rejects as it does.
   */
  async warmUp(handler: string, exportName: string, context: ContextAddress, loadTimeoutMs: number): Promise<void> {
    await this.checkHandler(handler, exportName, context, loadTimeoutMs);
    const timeout = AbortSignal.timeout(loadTimeoutMs);
    const bound = new LinkedSignal([timeout, this.#closing.signal]);
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(bound.signal.reason);
        if (bound.signal.aborted) return onAbort();
        bound.signal.addEventListener('abort', onAbort, { once: true });
        this.#allStarted.then(() => {
          bound.signal.removeEventListener('abort', onAbort);
          resolve();
        }, reject);
      });
      const task = { handler, exportName, types: [], payloads: [], check: true, context };
      await Promise.all(Array.from({ length: this.#maxThreads }, () => this.#piscina.run(task, { signal: bound.signal })));
    } catch (error) {
      throw loadError(handler, error, timeout.aborted ? loadTimeoutMs : undefined, this.#resourceLimits);
    } finally {
      bound.dispose();
    }
  }

  /**
   * Ends the pool: running tasks get `closeTimeoutMs` to finish (a handler waiting on
   * `ctx.dispatch` gets its answer, since the callback endpoint closes last), then their
   * threads are ended. Load checks still running end at once.
   */
  async close(): Promise<void> {
    this.#closing.abort(new Error('The DataProcessingChannel was closed'));
    try {
      await this.#piscina.close();
    } finally {
      this.#endpoint.close();
    }
  }
}
