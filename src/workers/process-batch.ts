// The piscina task entry: runs inside a worker thread. It imports the handler module
// (once per thread), runs a batch of messages through it, and returns every result with
// per-message errors serialised. Keep it small: it must never load adapters or the engine.
import { Serializer } from 'node:v8';
import { move, transferableSymbol, valueSymbol } from 'piscina';
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

/** Values the fast check may still visit in the current batch (see `plainCloneable`). */
let checkBudget = 0;
/** Most values the fast check visits per batch before leaving the decision to the exact path. */
const kCheckBudget = 200_000;
/** Deepest nesting the fast check follows (deeper, or cyclic, values take the exact path). */
const kCheckDepth = 32;

/**
 * Whether `value` is made only of what structured cloning surely copies: primitives other
 * than symbols, plain objects and arrays, `Date`s and non-shared binary data. A cheap walk
 * with no allocation: far cheaper than encoding (and, for the main thread, decoding) the
 * batch with `v8.Serializer`, whose buffers also cost the thread garbage collections.
 * `false` only means "not sure" (a class instance, a Map, a function…): the exact path decides.
 */
function plainCloneable(value: object | null, depth: number): boolean {
  if (value === null) return true;
  checkBudget -= 1;
  if (depth >= kCheckDepth || checkBudget < 0) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // Primitives are checked inline, without a call: most values are.
  if (proto === Object.prototype || proto === null) {
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const item = object[key];
      const type = typeof item;
      if (type === 'string' || type === 'number' || type === 'boolean' || type === 'undefined' || type === 'bigint') continue;
      if (type !== 'object' || !plainCloneable(item as object | null, depth + 1)) return false;
    }
    return true;
  }
  if (proto === Array.prototype) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i += 1) {
      const item = array[i];
      const type = typeof item;
      if (type === 'string' || type === 'number' || type === 'boolean' || type === 'undefined' || type === 'bigint') continue;
      if (type !== 'object' || !plainCloneable(item as object | null, depth + 1)) return false;
    }
    return true;
  }
  if (value instanceof ArrayBuffer || value instanceof Date) return true;
  return ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer;
}

/**
 * Encodes the batch's results here, in the thread, rather than leaving it to `postMessage`:
 * a result that cannot be cloned (a function, a Symbol, a WeakMap) then becomes that
 * message's `DataCloneError` instead of killing the thread, and results are always copies,
 * so a handler may keep and reuse the buffers it returns.
 */
function encodeResults(data: unknown[], errors: (SerializedError | undefined)[] | null): {
  encoded: Buffer;
  errors: (SerializedError | undefined)[] | null;
} {
  try {
    return { encoded: encode(data), errors };
  } catch {
    // Find the culprits one by one (rare: only batches with an uncloneable result get here).
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

const nothing = (): undefined => undefined;

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

async function runBatch(task: BatchTask): Promise<BatchResult | null> {
  const handler = await loadHandler(task.handler, task.exportName);
  if (task.check === true) return null;
  const { types, payloads } = task;
  const count = payloads.length;
  const uniformType = typeof types === 'string' ? types : undefined;
  const ctx = contextFor(task.context);
  // Filled by index (lanes finish out of order), yet packed (`map` makes packed arrays; the
  // payloads array as received is holey): structured cloning sends a holey array as a sparse
  // one, element by element, through its slow path (about a quarter more per crossing).
  const data: unknown[] = payloads.map(nothing);
  let errors: (SerializedError | undefined)[] | null = null;
  const started = performance.now();
  let next = 0;
  // Runs messages in dispatch order, one at a time; `concurrency` such lanes overlap async handlers.
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      const msg = { type: uniformType ?? types[i]!, payload: payloads[i] };
      try {
        let result = handler(msg, ctx);
        if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') result = await result;
        data[i] = result === undefined ? msg.payload : typeof result === 'object' ? snapshot(result) : result;
      } catch (error) {
        errors ??= new Array<SerializedError | undefined>(count);
        errors[i] = serialize(error);
      }
    }
  };
  const lanes = Math.min(task.concurrency ?? 1, count);
  if (lanes <= 1) await lane();
  else await Promise.all(Array.from({ length: lanes }, lane));
  const elapsed = performance.now() - started;
  // The common case: plain data, which piscina's own postMessage clones (natively, and
  // decoded by the main thread without a JS-side deserializer). Anything else is encoded
  // here, so that one uncloneable result fails its own message, not the thread.
  checkBudget = kCheckBudget;
  if (plainCloneable(data, 0)) return { data, encoded: null, errors, elapsed };
  const encoded = encodeResults(data, errors);
  const result: BatchResult = { data: null, encoded: encoded.encoded, errors: encoded.errors, elapsed };
  // piscina's protocol for "send this value, transferring these buffers": the encoded bytes
  // are ours alone (a fresh buffer), so they move without a copy.
  return move({ [transferableSymbol]: [encoded.encoded.buffer], [valueSymbol]: result } as never) as never;
}
