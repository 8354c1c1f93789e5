// Worker-thread handlers for the benchmarks example: the same work as the main-thread listeners.
import { setTimeout as sleep } from 'node:timers/promises';

/** I/O-bound: waits `payload.ms` milliseconds, as a network call would. */
export async function io(msg) {
  await sleep(msg.payload.ms);
}

/** CPU-bound: `payload.iterations` steps of arithmetic. */
export function cpu(msg) {
  let x = 1;
  for (let i = 0; i < msg.payload.iterations; i += 1) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}
