#!/usr/bin/env node
// Producer-consumer: a producer dispatches rows (then the closed message) while
// processQueue consumes them with a CPU-heavy handler in worker threads.
//   node examples/producer-consumer/main.js [--workers N] [--rows N] [--help]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DataProcessingChannel, Message, MESSAGE_TYPE_INTERNAL_ERROR, WorkerListener } from 'eric-sse';

const usage = `Usage: node examples/producer-consumer/main.js [--workers N] [--rows N]

  --workers N  worker threads processing rows (default: ${availableParallelism()}, the CPU count)
  --rows N     rows the producer dispatches (default: 20000)
  --help       show this help`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      workers: { type: 'string', default: String(availableParallelism()) },
      rows: { type: 'string', default: '20000' },
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
const workers = Number(values.workers);
const rows = Number(values.rows);
if (!Number.isInteger(workers) || workers < 1 || !Number.isInteger(rows) || rows < 0) {
  console.error('--workers must be a positive integer and --rows an integer >= 0 (see --help)');
  process.exit(2);
}

const channel = new DataProcessingChannel({ maxWorkers: workers });
const listener = new WorkerListener(new URL('./transform.js', import.meta.url));
channel.registerListener(listener);

async function produce() {
  for (let id = 0; id < rows; id += 1) {
    const readings = Array.from({ length: 32 }, (_, k) => Math.sin(id + k) * 100);
    await channel.dispatch(listener.id, new Message('row', { id, readings, rounds: 400 }));
    // Yield now and then so the consumer runs while the producer produces.
    if (id % 1000 === 999) await nextTurn();
  }
  await channel.notifyEnd();
}

console.log(`processing ${rows.toLocaleString()} rows with ${workers} worker thread(s)…`);
const started = performance.now();
const producing = produce();
let done = 0;
let failed = 0;
for await (const { event, data } of channel.processQueue(listener)) {
  if (event === MESSAGE_TYPE_INTERNAL_ERROR) failed += 1;
  else if (done < 5) console.log('  result', JSON.stringify(data));
  done += 1;
}
await producing;
await channel.close(); // ends the worker pool (the program would exit without it too)
const seconds = (performance.now() - started) / 1000;
console.log(`${done.toLocaleString()} rows in ${seconds.toFixed(2)} s: ${Math.round(done / seconds).toLocaleString()} rows/s, ${failed} failed`);
