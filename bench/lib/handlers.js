// Handlers shared by the engine and the raw-piscina baseline. Each takes `{ type, payload }`
// and returns a result, so the same function serves as an eric-sse handler and a piscina task.

/** Returns its payload: what is measured is transport and scheduling. */
export function echo(msg) {
  return msg.payload;
}

/** `payload.iterations` steps of integer arithmetic (the bench calibrates them to ~1 ms). */
export function spin(msg) {
  let x = msg.payload.i | 0;
  for (let k = 0; k < msg.payload.iterations; k += 1) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return { i: msg.payload.i, x };
}
