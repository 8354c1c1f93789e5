// What travels between the main thread and the worker-thread task entry
// (src/workers/process-batch.ts). Types only: the worker imports this file with
// `import type`, so nothing from the engine is loaded inside a thread.

/**
 * An error as it crosses the thread boundary. Structured cloning keeps an Error's
 * `message` but turns its `name` into `Error` and drops `code`, so the worker sends
 * these fields explicitly and the main thread rebuilds the error.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | number;
}

/** Where a handler's `ctx` calls back to: a channel's callback endpoint. */
export interface ContextAddress {
  /** Name of the `BroadcastChannel` the main thread exposes the channel on (Comlink). */
  readonly endpoint: string;
  /** Id of the channel. */
  readonly channelId: string;
  /** Id of the listener whose queue is processed. */
  readonly listenerId: string;
}

/** One piscina task: a batch of messages for one handler, or a load check. */
export interface BatchTask {
  /** The handler module, as a `file:` URL string. */
  readonly handler: string;
  /** The handler module's export to call. */
  readonly exportName: string;
  /**
   * Types of the messages to process, in order (empty for a load check), or one string when
   * every message of the batch has that type (the common case: it saves cloning a string
   * per message, about a fifth of a small message's crossing). Types and payloads travel as
   * parallel arrays rather than `{ type, payload }` objects: structured cloning writes every
   * object's keys again, and batches are cloned once per task.
   */
  readonly types: readonly string[] | string;
  /** Payloads of the messages, in order; their count is the batch's size. */
  readonly payloads: readonly unknown[];
  /** Only import the module and check the export (nothing is processed). */
  readonly check?: boolean;
  /** Most messages of the batch whose handler runs at once (async handlers overlap); 1 when absent. */
  readonly concurrency?: number;
  /** Where `ctx` calls back to. */
  readonly context: ContextAddress;
}

/** The outcome of one batch: its results either as they are (`data`) or encoded (`encoded`). */
export interface BatchResult {
  /**
   * The `data` of each message, by index (the payload when the handler returned `undefined`),
   * cloned by piscina's own `postMessage`: the common case. `null` when the results are
   * `encoded` instead.
   */
  readonly data: unknown[] | null;
  /**
   * The same array as one structured-clone encoding (`v8.Serializer`), made in the thread
   * only when cloning `data` failed: each result that cannot be cloned is then that
   * message's `DataCloneError` (see `errors`) rather than the death of the thread.
   */
  readonly encoded: Uint8Array | null;
  /** The error of each message whose handler threw, by index; `null` when none threw. */
  readonly errors: (SerializedError | undefined)[] | null;
  /** Time the handlers took, in milliseconds, measured inside the thread. */
  readonly elapsed: number;
}
