// The hand-batched Piscina baseline's task: a batch of payloads of one message type, run
// through the very handler the engine runs (bench/lib/handlers.js), results in an array.
// This is what a user batching by hand would write: only payloads cross, once per batch.
import * as handlers from './handlers.js';

/** Runs `handler` (a name exported by handlers.js) over `payloads`; returns the results in order. */
export default function runBatch({ handler, type, payloads }) {
  const fn = handlers[handler];
  const out = new Array(payloads.length);
  for (let i = 0; i < payloads.length; i += 1) {
    const result = fn({ type, payload: payloads[i] });
    out[i] = result === undefined ? payloads[i] : result;
  }
  return out;
}
