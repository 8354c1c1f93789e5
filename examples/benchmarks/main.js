#!/usr/bin/env node
// I/O-bound vs CPU-bound listeners, on the main thread vs in worker threads, across worker
// counts (the Python original's benchmark, with worker threads instead of a thread pool).
//   node examples/benchmarks/main.js [--seconds S] [--help]
// Each of the 24 configurations runs about S seconds (default 2: about a minute in all),
// long enough for stable figures: a short probe estimates its rate, then it processes
// that many seconds' worth of messages.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataProcessingChannel, Message, MessageQueueListener, WorkerListener } from 'eric-sse';
import { cpu } from './handlers.js';

const usage =
  'Usage: node examples/benchmarks/main.js [--seconds S]\n\n  --seconds S  time per configuration (default 2; 24 configurations, about a minute in all)';
let values;
try {
  ({ values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  // An unknown option or a stray argument: say which, show the usage, exit 2 (no stack trace).
  console.error(`${error.message.split('. ')[0]}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  console.error(`--seconds must be a positive number, got ${JSON.stringify(values.seconds)}`);
  process.exit(2);
}
const kProbeMessages = 40;
const ioMs = 5;

// Calibrate ~1 ms of CPU work on this machine.
let iterations = 200_000;
for (let round = 0; round < 4; round += 1) {
  const started = performance.now();
  for (let k = 0; k < 10; k += 1) cpu({ payload: { iterations } });
  iterations = Math.round(iterations / ((performance.now() - started) / 10));
}

/** Main-thread listener doing simulated I/O: async, so calls overlap up to maxWorkers. */
class IoListener extends MessageQueueListener {
  async onMessage() {
    await sleep(ioMs);
  }
}

/** Main-thread listener doing CPU work: blocks the event loop, so nothing overlaps. */
class CpuListener extends MessageQueueListener {
  onMessage(msg) {
    cpu(msg);
  }
}

const handlers = new URL('./handlers.js', import.meta.url);
const overlap = 8; // WorkerListener concurrency: handler calls one thread runs at once
const kinds = {
  'I/O-bound': {
    main: () => new IoListener(),
    worker: () => new WorkerListener(handlers, { name: 'io' }),
    overlapping: () => new WorkerListener(handlers, { name: 'io', concurrency: overlap }),
    payload: { ms: ioMs },
  },
  'CPU-bound': {
    main: () => new CpuListener(),
    worker: () => new WorkerListener(handlers, { name: 'cpu' }),
    overlapping: () => new WorkerListener(handlers, { name: 'cpu', concurrency: overlap }),
    payload: { iterations },
  },
};

async function measure(makeListener, payload, workers) {
  const channel = new DataProcessingChannel({ maxWorkers: workers });
  try {
    return await run(channel, makeListener(), payload);
  } finally {
    await channel.close();
  }
}

async function run(channel, listener, payload) {
  channel.registerListener(listener);
  // Warm up (starts the threads for a WorkerListener).
  await channel.dispatch(listener.id, new Message('warm-up', payload));
  for await (const _ of channel.processQueue(listener, { until: 'empty' }));
  // A short probe sizes the run to about `seconds` of work.
  const probe = await timed(channel, listener, payload, kProbeMessages);
  const count = Math.max(kProbeMessages, Math.min(2_000_000, Math.round(probe * seconds)));
  return Math.round(await timed(channel, listener, payload, count));
}

/** Processes `count` pre-filled messages; returns messages per second. */
async function timed(channel, listener, payload, count) {
  for (let i = 0; i < count; i += 1) await channel.dispatch(listener.id, new Message('job', payload));
  const started = performance.now();
  let done = 0;
  for await (const _ of channel.processQueue(listener, { until: 'empty' })) done += 1;
  return (done / (performance.now() - started)) * 1000;
}

console.log(`about ${seconds} s per configuration; I/O = ${ioMs} ms wait, CPU ≈ 1 ms arithmetic; ${availableParallelism()} CPUs\n`);
const table = [];
for (const [kind, { main, worker, overlapping, payload }] of Object.entries(kinds)) {
  for (const workers of [1, 2, 4, 8]) {
    table.push({
      workload: kind,
      maxWorkers: workers,
      'main thread msg/s': await measure(main, payload, workers),
      'worker threads msg/s': await measure(worker, payload, workers),
      [`worker threads, concurrency ${overlap} msg/s`]: await measure(overlapping, payload, workers),
    });
  }
}
console.table(table);
console.log(`
I/O-bound work overlaps on the main thread already (async onMessage, maxWorkers at a time);
in worker threads it overlaps only with WorkerListener's concurrency option (then
maxWorkers × concurrency at a time). CPU-bound work blocks the main thread, so only worker
threads scale it, up to the number of CPU cores; concurrency adds nothing there.`);
