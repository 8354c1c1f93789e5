// Redis backend benchmark (`npm run bench -- redis`), against a private redis-server on
// this machine (or REDIS_URL):
// 1. messages/s through processQueue, no-op main-thread handler: in-memory (this process)
//    vs Redis with 1, 2 and 4 consumer processes on one queue;
// 2. dispatch/s into a Redis queue: one awaited at a time vs pipelined (many in flight on
//    one connection).
// Anchor (the issue's): BullMQ ~6,000 jobs/s at concurrency 1, ~18,000 at 8–32, no-op jobs.
// Goal: >= 50,000 msg/s through one consumer process. `BENCH_QUICK=1` shrinks the runs.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { DataProcessingChannel, Message, MessageQueueListener, RedisQueueFactory } from 'eric-sse';
import { saveResults } from './lib/results.js';
import { startRedisServer } from './lib/redis-server.js';

const quick = process.env.BENCH_QUICK === '1';
const kMessages = quick ? 20_000 : 200_000;
const kDispatches = quick ? 5_000 : 50_000;
const kConcurrency = 256; // maxWorkers of each consumer: concurrent no-op onMessage calls
const kPipelineWindow = 1_000;
const consumerScript = new URL('./lib/redis-consumer.js', import.meta.url).pathname;
const progress = (text) => process.stderr.write(`  … ${text}\n`);

/** Dispatches `count` messages keeping `window` in flight. */
async function fill(channel, listenerId, count, window) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await channel.dispatch(listenerId, new Message('m', { i }));
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
}

async function inMemoryRun() {
  const channel = new DataProcessingChannel({ maxWorkers: kConcurrency });
  const listener = new MessageQueueListener();
  channel.registerListener(listener);
  await fill(channel, listener.id, kMessages, 1);
  await channel.notifyEnd();
  const started = performance.now();
  let count = 0;
  for await (const _event of channel.processQueue(listener)) count += 1;
  const elapsed = performance.now() - started;
  await channel.close();
  return { backend: 'in-memory', consumers: 1, messages: count, messagesPerSecond: Math.round((count / elapsed) * 1000) };
}

function startConsumer(args) {
  const child = spawn(process.execPath, [consumerScript, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let onReady;
  let onDone;
  const ready = new Promise((resolve) => (onReady = resolve));
  const done = new Promise((resolve) => (onDone = resolve));
  lines.on('line', (line) => {
    if (line === 'ready') onReady();
    else if (line.startsWith('done ')) onDone(Number(line.slice(5)));
  });
  return { child, ready, done };
}

async function redisRun(url, consumers) {
  const prefix = `bench-${randomUUID()}:`;
  const channelId = randomUUID();
  const listenerId = 'workers';
  const factory = new RedisQueueFactory({ url, prefix });
  const channel = new DataProcessingChannel({ id: channelId, maxWorkers: 1, queuesFactory: factory });
  await channel.registerListener(new MessageQueueListener({ id: listenerId }));
  await fill(channel, listenerId, kMessages, kPipelineWindow);
  // One closed message per consumer: each ends its run at one, after the data messages.
  for (let i = 0; i < consumers; i += 1) await channel.dispatch(listenerId, new Message('_eric_channel_closed'));
  const procs = Array.from({ length: consumers }, () => startConsumer([url, prefix, channelId, listenerId, String(kConcurrency)]));
  await Promise.all(procs.map((p) => p.ready));
  const started = performance.now();
  for (const p of procs) p.child.stdin.write('go\n');
  const counts = await Promise.all(procs.map((p) => p.done));
  const elapsed = performance.now() - started;
  const processed = counts.reduce((a, b) => a + b, 0);
  if (processed < kMessages) throw new Error(`consumers processed ${processed} of ${kMessages}`);
  await channel.removeListener(listenerId);
  await channel.close();
  await factory.close();
  return {
    backend: 'redis',
    consumers,
    messages: processed,
    messagesPerSecond: Math.round((processed / elapsed) * 1000),
    perConsumer: counts,
  };
}

async function dispatchRun(url, window) {
  const factory = new RedisQueueFactory({ url, prefix: `bench-${randomUUID()}:` });
  const channel = new DataProcessingChannel({ id: randomUUID(), maxWorkers: 1, queuesFactory: factory });
  const listener = new MessageQueueListener();
  await channel.registerListener(listener);
  await fill(channel, listener.id, 1_000, window); // warm-up
  const started = performance.now();
  await fill(channel, listener.id, kDispatches, window);
  const elapsed = performance.now() - started;
  await channel.removeListener(listener.id);
  await channel.close();
  await factory.close();
  return { mode: window === 1 ? 'one at a time (awaited)' : `pipelined (${window} in flight)`, dispatches: kDispatches, dispatchesPerSecond: Math.round((kDispatches / elapsed) * 1000) };
}

const server = await startRedisServer();
try {
  console.log(`redis: ${server.version}; ${kMessages} messages per run, no-op handler, maxWorkers ${kConcurrency} per consumer`);
  const throughput = [];
  progress('in-memory');
  throughput.push(await inMemoryRun());
  for (const consumers of [1, 2, 4]) {
    progress(`redis, ${consumers} consumer process(es)`);
    throughput.push(await redisRun(server.url, consumers));
  }
  console.table(throughput);
  const dispatch = [];
  for (const window of [1, kPipelineWindow]) {
    progress(`dispatch, window ${window}`);
    dispatch.push(await dispatchRun(server.url, window));
  }
  console.table(dispatch);
  const one = throughput.find((row) => row.backend === 'redis' && row.consumers === 1);
  console.log(`goal >= 50,000 msg/s through one consumer process: ${one.messagesPerSecond} msg/s (${one.messagesPerSecond >= 50_000 ? 'met' : 'not met'}); BullMQ anchor ~6,000 (concurrency 1) to ~18,000 jobs/s (8–32)`);
  if (!quick) saveResults('redis', { messagesPerRun: kMessages, concurrency: kConcurrency, throughput, dispatch });
} finally {
  await server.stop();
}
