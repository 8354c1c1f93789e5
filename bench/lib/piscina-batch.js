// The hand-batched Piscina baseline's task: a batch of payloads of one message type, run
// through the very handler the engine runs (bench/lib/handlers.js), results in an array.
// This is what a user batching by hand would write: only payloads cross, once per batch.
import * as handlers from './handlers.js';

/** Runs `handler` (a name exported by handlers.js) over `payloads`; returns the results in order. */
export default function runBatch({ handler, type, payloads }) {
  const fn = handlers[handler];
  // `map` makes a packed array, which structured cloning sends back faster than a holey
  // `new Array(n)` filled by index: the strongest version of this baseline.
  return payloads.map((payload) => {
    const result = fn({ type, payload });
    return result === undefined ? payload : result;
  });
}
