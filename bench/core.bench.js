// Core benchmarks (`npm run bench -- core`):
// 1. dispatch-to-yield latency: a stream waiting on an empty queue, woken by a dispatch;
// 2. broadcast fan-out to 10,000 listeners (tinybench): to queues alone, and to 10,000
//    waiting streams until each has yielded the message;
// 3. CPU time used by 10,000 idle streams over 5 s, against the same process with none.
// Prints a table per part and saves bench/results/core.json.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Bench } from 'tinybench';
import { Message, SSEChannel } from 'eric-sse';
import { percentile, saveResults } from './lib/results.js';

const kLatencySamples = 20_000;
const kFanOut = 10_000;
const kIdleStreams = 10_000;
const kIdleSeconds = 5;

const round = (value, digits = 2) => Number(value.toFixed(digits));

/** Dispatch-to-yield latency (µs) of one stream that is already waiting when the dispatch comes. */
async function dispatchToYieldLatency() {
  const channel = new SSEChannel();
  const listener = channel.addListener();
  listener.startSync();
  const stream = channel.messageStream(listener);
  const message = new Message('tick', 1);
  const samples = new Float64Array(kLatencySamples);
  const warmup = 2_000;
  for (let i = -warmup; i < kLatencySamples; i += 1) {
    const next = stream.next();
    // Let the stream reach its wait: we measure waking a sleeping stream, not an immediate pop.
    await nextTurn();
    const start = performance.now();
    await channel.dispatch(listener.id, message);
    await next;
    if (i >= 0) samples[i] = (performance.now() - start) * 1000;
    if (i > 0 && i % 5_000 === 0) process.stdout.write(`  latency: ${i}/${kLatencySamples} samples\n`);
  }
  listener.stopSync();
  await stream.return();
  samples.sort();
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return {
    samples: kLatencySamples,
    p50Us: round(percentile(samples, 50)),
    p99Us: round(percentile(samples, 99)),
    p999Us: round(percentile(samples, 99.9)),
    meanUs: round(mean),
    maxUs: round(samples[samples.length - 1]),
  };
}

/** Broadcast of one message to 10,000 listeners, measured with tinybench. */
async function broadcastFanOut() {
  const bench = new Bench({ time: 3_000, warmupTime: 500 });

  // a) To 10,000 queues (listeners registered and running, nobody streaming).
  const queued = new SSEChannel();
  const queuedListeners = Array.from({ length: kFanOut }, () => queued.addListener());
  bench.add(`broadcast to ${kFanOut} queues`, () => queued.broadcast(new Message('news', 'hello')), {
    // Empty the queues outside the timed part, so that memory stays flat.
    afterEach: async () => {
      for (const listener of queuedListeners) await queued.removeListener(listener.id);
      for (const listener of queuedListeners) queued.registerListener(listener);
    },
  });

  // b) To 10,000 streams waiting on empty queues, until every stream has yielded it.
  const streamed = new SSEChannel();
  const streams = Array.from({ length: kFanOut }, () => {
    const listener = streamed.addListener();
    listener.startSync();
    return streamed.messageStream(listener);
  });
  let pending = [];
  bench.add(
    `broadcast to ${kFanOut} waiting streams, all yielded`,
    async () => {
      await streamed.broadcast(new Message('news', 'hello'));
      await Promise.all(pending);
    },
    {
      beforeEach: async () => {
        pending = streams.map((stream) => stream.next());
        await nextTurn(); // every stream is now waiting
      },
    },
  );

  process.stdout.write('  fan-out: running tinybench (about 8 s)\n');
  await bench.run();
  console.table(bench.table());
  for (const stream of streams) await stream.return();

  return bench.tasks.map((task) => {
    const { result } = task;
    if (result.state !== 'completed') return { name: task.name, state: result.state, error: String(result.error) };
    const broadcastsPerSecond = 1000 / result.latency.mean;
    return {
      name: task.name,
      listeners: kFanOut,
      samples: result.latency.samples?.length ?? task.runs,
      broadcastMeanMs: round(result.latency.mean, 3),
      broadcastP50Ms: round(result.latency.p50, 3),
      broadcastP99Ms: round(result.latency.p99, 3),
      broadcastsPerSecond: round(broadcastsPerSecond, 1),
      messagesPerSecond: Math.round(broadcastsPerSecond * kFanOut),
    };
  });
}

/** CPU time (ms) this process uses over `seconds` while doing nothing but wait. */
async function cpuOver(seconds) {
  globalThis.gc?.();
  // Let V8's background work on a fresh heap settle before measuring the idle period.
  await sleep(500);
  const before = process.cpuUsage();
  const start = performance.now();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  return { cpuMs: round((used.user + used.system) / 1000, 3), wallMs: Math.round(performance.now() - start) };
}

async function idleStreamsCpu() {
  process.stdout.write(`  idle: baseline, no streams, ${kIdleSeconds} s\n`);
  const baseline = await cpuOver(kIdleSeconds);
  const channel = new SSEChannel();
  const pending = Array.from({ length: kIdleStreams }, () => channel.watch().next());
  process.stdout.write(`  idle: ${kIdleStreams} waiting streams, ${kIdleSeconds} s\n`);
  const idle = await cpuOver(kIdleSeconds);
  // Prove the streams were alive the whole time: one broadcast wakes all of them.
  await channel.broadcast(new Message('wake'));
  const woken = (await Promise.all(pending)).filter((r) => r.value?.event === 'wake').length;
  await channel.notifyEnd();
  return {
    streams: kIdleStreams,
    seconds: kIdleSeconds,
    baselineCpuMs: baseline.cpuMs,
    idleStreamsCpuMs: idle.cpuMs,
    cpuPercentOfOneCore: round((idle.cpuMs / idle.wallMs) * 100, 4),
    wokenAfterwards: woken,
  };
}

console.log(`dispatch-to-yield latency (${kLatencySamples} samples)`);
const latency = await dispatchToYieldLatency();
console.table([latency]);

console.log(`\nbroadcast fan-out to ${kFanOut} listeners`);
const fanOut = await broadcastFanOut();
console.table(fanOut);

console.log(`\nCPU of ${kIdleStreams} idle streams over ${kIdleSeconds} s`);
const idle = await idleStreamsCpu();
console.table([idle]);

saveResults('core', { latency, fanOut, idle });
