// The piscina task entry: runs inside a worker thread. It imports the handler module
// (once per thread), runs a batch of messages through it, and returns every result with
// per-message errors serialised. Keep it small: it must never load adapters or the engine.
import { Serializer } from 'node:v8';
import { MessagePort } from 'node:worker_threads';
import { contextFor } from './context.js';
import type { BatchResult, BatchTask, SerializedError } from '../engine/processing/protocol.js';
import type { HandlerContext } from '../engine/worker-listener.js';

type Handler = (msg: { type: string; payload: unknown }, ctx: HandlerContext) => unknown;

const handlers = new Map<string, Promise<Handler>>();

/** Imports the handler module and picks its export; cached per module and export name. */
function loadHandler(url: string, exportName: string): Promise<Handler> {
  const key = `${url}#${exportName}`;
  let loading = handlers.get(key);
  if (loading === undefined) {
    loading = import(url).then(
      (mod: Record<string, unknown>) => {
        const handler = mod[exportName];
        if (typeof handler !== 'function') {
          const found = Object.keys(mod).join(', ') || 'none';
          throw new TypeError(`Handler module ${url} has no function export "${exportName}" (exports: ${found})`);
        }
        return handler as Handler;
      },
      (cause: unknown) => {
        throw new Error(`Cannot load handler module ${url}: ${describe(cause)}`);
      },
    );
    // A failed import is not cached, so that a fixed module loads on the next try.
    loading.catch(() => handlers.delete(key));
    handlers.set(key, loading);
  }
  return loading;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function serialize(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' || typeof code === 'number'
      ? { name: error.name, message: error.message, code }
      : { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * A copy of a binary result, taken when the handler returns it: a handler may refill the
 * same buffer for its next message (the batch is encoded only when it ends), and a view over
 * part of a larger buffer (Node's pooled `Buffer`s, subarrays) keeps only its own bytes.
 * Other values are returned as they are (see the handler contract in `WorkerListener`).
 */
function snapshot(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (!ArrayBuffer.isView(value) || !(value.buffer instanceof ArrayBuffer)) return value;
  const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  if (value instanceof DataView) return new DataView(bytes.buffer);
  if (Buffer.isBuffer(value)) return bytes; // a Buffer arrives as a Uint8Array either way
  return new (value.constructor as new (buffer: ArrayBuffer) => ArrayBufferView)(bytes.buffer);
}

/** `data` as structured-clone bytes; throws when a value cannot be cloned. */
function encode(data: unknown[]): Buffer {
  const serializer = new Serializer();
  serializer.writeHeader();
  serializer.writeValue(data);
  return serializer.releaseBuffer();
}

/**
 * The batch's results as one structured-clone encoding, each message that cannot be cloned
 * (a function, a Symbol, a WeakMap, a Proxy…) made that message's `DataCloneError`.
 */
function encodeResults(data: unknown[], errors: (SerializedError | undefined)[] | null): {
  encoded: Buffer;
  errors: (SerializedError | undefined)[] | null;
} {
  try {
    return { encoded: encode(data), errors };
  } catch {
    // Find the culprits one by one.
    const all = errors ?? new Array<SerializedError | undefined>(data.length);
    for (let i = 0; i < data.length; i += 1) {
      try {
        encode([data[i]]);
      } catch (error) {
        data[i] = undefined;
        all[i] = { name: 'DataCloneError', message: `The handler's result cannot be sent to the main thread: ${describe(error)}` };
      }
    }
    return { encoded: encode(data), errors: all };
  }
}

/**
 * What this thread returns to piscina for a batch: a class of its own, so that a failed send
 * can tell its own results apart (structured cloning sends it as a plain object).
 */
class Outcome implements BatchResult {
  constructor(
    readonly data: unknown[] | null,
    readonly encoded: Uint8Array | null,
    readonly errors: (SerializedError | undefined)[] | null,
    readonly elapsed: number,
  ) {}
}

/**
 * Results cross to the main thread unchecked: piscina's own `postMessage` clones them
 * natively, and the main thread reads them without a JS-side deserializer. When that clone
 * fails (some result is a function, a Symbol, a WeakMap, a Proxy…), piscina would end the
 * thread. So this thread's ports fall back, for piscina's answer to one of our batches only,
 * to the batch encoded here with each uncloneable result made its own message's
 * `DataCloneError`: one bad result fails one message, never the thread, and the common case
 * pays nothing (a walk over every result to prove it cloneable cost about a tenth of a small
 * message's whole cost). Any other failing message is left to fail as it would have.
 */
const postMessage = MessagePort.prototype.postMessage;
MessagePort.prototype.postMessage = function postMessageOrEncode(this: MessagePort, ...args: Parameters<MessagePort['postMessage']>) {
  try {
    // As it is (arguments and return value): Node's own BroadcastChannel posts through it.
    return postMessage.apply(this, args);
  } catch (error) {
    const [message] = args;
    const result = (message as { result?: unknown } | null)?.result;
    if (!(result instanceof Outcome) || result.data === null) throw error;
    const encoded = encodeResults(result.data, result.errors);
    const fallback = new Outcome(null, encoded.encoded, encoded.errors, result.elapsed);
    // The encoded bytes are ours alone (a fresh buffer), so they move without a copy.
    return postMessage.call(this, { ...(message as object), result: fallback }, [encoded.encoded.buffer] as never);
  }
};

/** Settles when the batch before the latest one has finished (see `processBatch`). */
let previousBatch: Promise<unknown> = Promise.resolve();

/**
 * Runs one batch (or only loads the handler, for a load check). The pool hands a thread its
 * next task while the current one runs, so that the thread never idles waiting for the main
 * thread to answer a finished batch; batches still run one after another here, so a
 * handler's `concurrency` keeps its meaning (calls at once per thread).
 */
export default function processBatch(task: BatchTask): Promise<BatchResult | null> {
  const run = previousBatch.then(() => runBatch(task));
  previousBatch = run.catch(() => undefined);
  return run;
}

const nothing = (): undefined => undefined;

/** One batch in progress: its messages, their results so far and its failures. */
class Batch {
  readonly #handler: Handler;
  readonly #ctx: HandlerContext;
  readonly #types: readonly string[] | string;
  readonly #payloads: readonly unknown[];
  /** Each message's result, by index (packed: see the constructor). */
  readonly data: unknown[];
  /** Index of the next message to run. */
  #next = 0;
  errors: (SerializedError | undefined)[] | null = null;

  constructor(handler: Handler, ctx: HandlerContext, task: BatchTask) {
    this.#handler = handler;
    this.#ctx = ctx;
    this.#types = task.types;
    this.#payloads = task.payloads;
    // Filled by index, yet packed (`map` makes packed arrays; the payloads array as received
    // is holey): structured cloning sends a holey array as a sparse one, element by element,
    // through its slow path (about a quarter more per crossing).
    this.data = task.payloads.map(nothing);
  }

  /** The message at `index`, as its handler sees it. */
  #message(index: number): { type: string; payload: unknown } {
    const types = this.#types;
    return { type: typeof types === 'string' ? types : types[index]!, payload: this.#payloads[index] };
  }

  /**
   * Runs the next messages, in dispatch order, while their handlers answer synchronously
   * (the common case: a plain loop, no promise per message). Returns the index of the first
   * message whose handler returned a promise, with that promise, or `undefined` when none
   * is left.
   */
  runSync(): { index: number; pending: PromiseLike<unknown> } | undefined {
    const count = this.#payloads.length;
    while (this.#next < count) {
      const i = this.#next;
      this.#next += 1;
      const msg = this.#message(i);
      let result: unknown;
      try {
        result = this.#handler(msg, this.#ctx);
      } catch (error) {
        this.fail(i, error);
        continue;
      }
      if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
        return { index: i, pending: result as PromiseLike<unknown> };
      }
      this.settle(i, result, msg.payload);
    }
    return undefined;
  }

  /** Records message `index`'s result (`undefined` stands for its payload). */
  settle(index: number, result: unknown, payload = this.#payloads[index]): void {
    this.data[index] = result === undefined ? payload : typeof result === 'object' ? snapshot(result) : result;
  }

  /** Records message `index`'s failure. */
  fail(index: number, error: unknown): void {
    this.errors ??= new Array<SerializedError | undefined>(this.data.length);
    this.errors[index] = serialize(error);
  }

  /**
   * Runs messages one at a time, each once the one before it has finished, until none is
   * left. `concurrency` such lanes overlap a handler's promises.
   */
  async runLane(): Promise<void> {
    for (let step = this.runSync(); step !== undefined; step = this.runSync()) {
      try {
        this.settle(step.index, await step.pending);
      } catch (error) {
        this.fail(step.index, error);
      }
    }
  }
}

async function runBatch(task: BatchTask): Promise<BatchResult | null> {
  const handler = await loadHandler(task.handler, task.exportName);
  if (task.check === true) return null;
  const batch = new Batch(handler, contextFor(task.context), task);
  const started = performance.now();
  const lanes = Math.min(task.concurrency ?? 1, task.payloads.length);
  if (lanes <= 1) await batch.runLane();
  else await Promise.all(Array.from({ length: lanes }, () => batch.runLane()));
  return new Outcome(batch.data, null, batch.errors, performance.now() - started);
}
