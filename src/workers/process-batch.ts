// The piscina task entry: runs inside a worker thread. It imports the handler module
// (once per thread), runs a batch of messages through it, and returns every result with
// per-message errors serialised. Keep it small: it must never load adapters or the engine.
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
 * Collects the buffers of top-level `ArrayBuffer` / typed-array results so they move to
 * the main thread without a copy. A view over part of a larger buffer (Node's pooled
 * `Buffer`s, subarrays) is replaced by a copy of its bytes: transferring the whole
 * buffer would detach memory the thread still uses, and cloning it would copy all of it.
 */
function collectTransferables(data: unknown[]): ArrayBuffer[] {
  const transfer: ArrayBuffer[] = [];
  for (let i = 0; i < data.length; i += 1) {
    const value = data[i];
    if (value instanceof ArrayBuffer) {
      if (!transfer.includes(value)) transfer.push(value);
    } else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) {
      let view = value;
      if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength || transfer.includes(view.buffer as ArrayBuffer)) {
        const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
        if (view instanceof DataView) view = new DataView(bytes.buffer);
        else if (Buffer.isBuffer(view)) view = bytes; // a Buffer arrives as a Uint8Array either way
        else view = new (view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView)(bytes.buffer);
        data[i] = view;
      }
      transfer.push(view.buffer as ArrayBuffer);
    }
  }
  return transfer;
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
        data[i] = result === undefined ? msg.payload : result;
      } catch (error) {
        errors ??= new Array<SerializedError | undefined>(count);
        errors[i] = serialize(error);
      }
    }
  };
  const lanes = Math.min(task.concurrency ?? 1, count);
  if (lanes <= 1) await lane();
  else await Promise.all(Array.from({ length: lanes }, lane));
  const result: BatchResult = { data, errors, elapsed: performance.now() - started };
  const transfer = collectTransferables(data);
  if (transfer.length === 0) return result;
  // piscina's protocol for "send this value, transferring these buffers".
  return move({ [transferableSymbol]: transfer, [valueSymbol]: result } as never) as never;
}
