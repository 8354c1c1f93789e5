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
  /** Aborted by `close()`: ends load checks still running (a module that never finishes loading). */
  readonly #closing = new AbortController();
  readonly #maxThreads: number;
  /** Tasks handed to piscina and not yet settled (load checks excluded). */
  #running = 0;

  constructor(options: WorkerPoolOptions) {
    this.#maxThreads = options.maxThreads;
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
      // 'async' (Atomics.waitAsync) instead of piscina's default 'sync': an idle thread's
      // event loop keeps running, so timers, sockets and pending `ctx` replies a handler
      // left behind make progress between tasks. 'sync' saves one event-loop hop per task,
      // which batching already amortises (measured: no difference in bench/engine.bench.js).
      atomics: 'async',
      // Timing histograms cost per task and we measure handler time ourselves.
      recordTiming: false,
      // After this, close() ends threads whose tasks still run (their messages were handed back).
      closeTimeout: options.closeTimeoutMs,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    // piscina emits 'error' when a thread dies with no task in flight (it is replaced, and no
    // message was lost); an emitter without an 'error' listener would crash the process.
    this.#piscina.on('error', (error: unknown) => debug('a worker thread died while idle: %o', error));
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
   * export. Rejects with an Error that names the module when it cannot be loaded, and when
   * loading takes longer than `loadTimeoutMs` (the thread is then ended and replaced).
   */
  checkHandler(handler: string, exportName: string, context: ContextAddress, loadTimeoutMs: number): Promise<void> {
    const key = `${handler}#${exportName}`;
    let check = this.#checked.get(key);
    if (check === undefined) {
      const timeout = AbortSignal.timeout(loadTimeoutMs);
      const bound = new LinkedSignal([timeout, this.#closing.signal]);
      const task = { handler, exportName, types: [], payloads: [], check: true, context };
      check = this.#piscina.run(task, { signal: bound.signal }).then(
        () => {
          bound.dispose();
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
