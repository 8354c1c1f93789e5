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

/** Runs one batch (or only loads the handler, for a load check). */
export default async function processBatch(task: BatchTask): Promise<BatchResult | null> {
  const handler = await loadHandler(task.handler, task.exportName);
  if (task.check === true) return null;
  const { types, payloads } = task;
  const count = types.length;
  const ctx = contextFor(task.context);
  const data: unknown[] = new Array(count);
  let errors: (SerializedError | undefined)[] | null = null;
  const started = performance.now();
  let next = 0;
  // Runs messages in dispatch order, one at a time; `concurrency` such lanes overlap async handlers.
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      const msg = { type: types[i]!, payload: payloads[i] };
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
  const encoded = encodeResults(data, errors);
  const result: BatchResult = { encoded: encoded.encoded, errors: encoded.errors, elapsed };
  // piscina's protocol for "send this value, transferring these buffers": the encoded bytes
  // are ours alone (a fresh buffer), so they move without a copy.
  return move({ [transferableSymbol]: [encoded.encoded.buffer], [valueSymbol]: result } as never) as never;
}
