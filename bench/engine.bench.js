// The data-processing engine against raw piscina (one pool.run() per message), same handler,
// same thread count, for worker counts 1, 2, 4, 8, on two workloads:
//   small — the handler returns its payload (transport and scheduling dominate);
//   cpu   — ~1 ms of integer arithmetic per message.
// Each run keeps a fixed window of messages outstanding (a producer that dispatches one
// message per result, for both contenders), so throughput and dispatch→result latency come
// from the same run. Then: unloaded single-message latency (tinybench), and 1,000,000
// messages dispatched while processQueue runs (peak RSS growth).
// `BENCH_QUICK=1` shrinks every run (a smoke test, not figures to quote); `BENCH_WORKLOADS=cpu`
// runs one workload only (then no ratios, chart or memory run).
import { fileURLToPath } from 'node:url';
import { setImmediate as turn } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { Bench } from 'tinybench';
import { DataProcessingChannel, Message, WorkerListener } from 'eric-sse';
import { percentile, saveResults } from './lib/results.js';
import { spin } from './lib/handlers.js';
import { writeLineChart } from './lib/svg-chart.js';

const quick = process.env.BENCH_QUICK === '1';
const handlers = new URL('./lib/handlers.js', import.meta.url);
const workerCounts = [1, 2, 4, 8];
const progress = (text) => process.stderr.write(`  … ${text}\n`);

/** Spin iterations that take about 1 ms here (after warming the JIT). */
function calibrateSpin() {
  let iterations = 100_000;
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    for (let k = 0; k < 20; k += 1) spin({ payload: { i: k, iterations } });
    const perCall = (performance.now() - started) / 20;
    iterations = Math.round(iterations / perCall);
  }
  return iterations;
}

const workloads = {
  small: { handler: 'echo', count: quick ? 20_000 : 200_000, rawCount: quick ? 5_000 : 30_000, window: 4096, payload: (i) => ({ i, name: 'row', v: 1.5 }) },
  cpu: { handler: 'spin', count: quick ? 200 : 1_500, rawCount: quick ? 200 : 1_500, window: 64, payload: null },
};

function summarize(name, workers, count, elapsedMs, latencies) {
  latencies.sort((a, b) => a - b);
  return {
    name,
    workers,
    messages: count,
    messagesPerSecond: Math.round((count / elapsedMs) * 1000),
    p50Ms: +percentile(latencies, 50).toFixed(3),
    p99Ms: +percentile(latencies, 99).toFixed(3),
  };
}

/** The engine: a producer keeps `window` messages outstanding, dispatching one per result. */
async function runEngine(workload, workers, count) {
  const channel = new DataProcessingChannel({ maxWorkers: workers });
  const listener = new WorkerListener(handlers, { name: workload.handler });
  channel.registerListener(listener);
  const sent = new Float64Array(count);
  const latencies = [];
  let next = 0;
  const send = () => {
    const i = next;
    next += 1;
    sent[i] = performance.now();
    channel.dispatch(listener.id, new Message('m', workload.payload(i))).catch((error) => { throw error; });
    if (next === count) channel.notifyEnd().catch((error) => { throw error; });
  };
  // Warm up: start the threads and load the handler before timing.
  await channel.dispatch(listener.id, new Message('m', workload.payload(0)));
  for await (const _ of channel.processQueue(listener, { until: 'empty' }));
  const started = performance.now();
  while (next < Math.min(workload.window, count)) send();
  for await (const { data } of channel.processQueue(listener)) {
    latencies.push(performance.now() - sent[data.i]);
    if (next < count) send();
  }
  const elapsed = performance.now() - started;
  await channel.close();
  if (latencies.length !== count) throw new Error(`engine yielded ${latencies.length} of ${count}`);
  return summarize('engine', workers, count, elapsed, latencies);
}

/** Raw piscina: `window` lanes, each awaiting one pool.run() per message. */
async function runRaw(workload, workers, count) {
  const pool = new Piscina({ filename: handlers.href, name: workload.handler, maxThreads: workers, minThreads: workers });
  pool.on('error', (error) => console.error(error));
  await Promise.all(Array.from({ length: workers }, (_, i) => pool.run({ type: 'm', payload: workload.payload(i) })));
  const latencies = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      const sentAt = performance.now();
      await pool.run({ type: 'm', payload: workload.payload(i) });
      latencies.push(performance.now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workload.window, count) }, lane));
  const elapsed = performance.now() - started;
  await pool.close();
  return summarize('piscina', workers, count, elapsed, latencies);
}

/** Unloaded latency of one message, engine vs piscina (tinybench), at 2 workers. */
async function singleMessageLatency() {
  const channel = new DataProcessingChannel({ maxWorkers: 2 });
  const listener = new WorkerListener(handlers, { name: 'echo' });
  channel.registerListener(listener);
  const pool = new Piscina({ filename: handlers.href, name: 'echo', maxThreads: 2, minThreads: 2 });
  const bench = new Bench({ time: quick ? 200 : 1000, warmupTime: 200 });
  bench
    .add('engine: dispatch 1 message → result', async () => {
      await channel.dispatch(listener.id, new Message('m', { i: 0 }));
      for await (const _ of channel.processQueue(listener, { until: 'empty' }));
    })
    .add('piscina: 1 run()', async () => {
      await pool.run({ type: 'm', payload: { i: 0 } });
    });
  await bench.run();
  await channel.close();
  await pool.close();
  return bench.tasks.map((task) => ({
    name: task.name,
    meanMs: +task.result.latency.mean.toFixed(4),
    p50Ms: +task.result.latency.p50.toFixed(4),
    p99Ms: +task.result.latency.p99.toFixed(4),
    samples: task.result.latency.samplesCount,
  }));
}

/** 1,000,000 messages dispatched (in chunks, yielding between them) while processQueue runs. */
async function memoryRun(total) {
  const channel = new DataProcessingChannel({ maxWorkers: 2 });
  const listener = new WorkerListener(handlers, { name: 'echo' });
  channel.registerListener(listener);
  await channel.dispatch(listener.id, new Message('m', 0));
  for await (const _ of channel.processQueue(listener, { until: 'empty' }));
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let received = 0;
  const started = performance.now();
  const producer = (async () => {
    const chunk = 2_000;
    for (let i = 0; i < total; i += chunk) {
      for (let k = i; k < Math.min(total, i + chunk); k += 1) await channel.dispatch(listener.id, new Message('m', k));
      await turn(); // give the engine the event loop between chunks
      if (i % 200_000 === 0 && i > 0) progress(`memory: ${i.toLocaleString()} dispatched, ${received.toLocaleString()} processed`);
    }
    await channel.notifyEnd();
  })();
  for await (const _ of channel.processQueue(listener)) received += 1;
  await producer;
  const elapsed = performance.now() - started;
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  await channel.close();
  if (received !== total) throw new Error(`memory run yielded ${received} of ${total}`);
  return {
    messages: total,
    seconds: +(elapsed / 1000).toFixed(2),
    messagesPerSecond: Math.round((total / elapsed) * 1000),
    baselineRssMb: +(baseline / 2 ** 20).toFixed(1),
    peakRssGrowthMb: +((peak - baseline) / 2 ** 20).toFixed(1),
  };
}

const iterations = calibrateSpin();
workloads.cpu.payload = (i) => ({ i, iterations });
console.log(`cpu workload: ${iterations.toLocaleString()} iterations ≈ 1 ms on the main thread`);

const rows = [];
const only = process.env.BENCH_WORKLOADS?.split(',');
for (const [name, workload] of Object.entries(workloads)) {
  if (only && !only.includes(name)) continue;
  for (const workers of workerCounts) {
    progress(`${name}, ${workers} worker(s): engine`);
    rows.push({ workload: name, ...(await runEngine(workload, workers, workload.count)) });
    progress(`${name}, ${workers} worker(s): piscina`);
    rows.push({ workload: name, ...(await runRaw(workload, workers, workload.rawCount)) });
  }
}
console.table(rows.map((r) => ({ workload: r.workload, impl: r.name, workers: r.workers, messages: r.messages, 'msg/s': r.messagesPerSecond, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms })));

if (only) process.exit(0);
const rate = (workload, impl, workers) => rows.find((r) => r.workload === workload && r.name === impl && r.workers === workers).messagesPerSecond;
const ratios = {
  smallEngineOverPiscinaAt2: +(rate('small', 'engine', 2) / rate('small', 'piscina', 2)).toFixed(2),
  cpuEngine2Over1: +(rate('cpu', 'engine', 2) / rate('cpu', 'engine', 1)).toFixed(2),
  cpuEngineOverPiscinaAt2: +(rate('cpu', 'engine', 2) / rate('cpu', 'piscina', 2)).toFixed(2),
  cpuPiscina2Over1: +(rate('cpu', 'piscina', 2) / rate('cpu', 'piscina', 1)).toFixed(2),
};
console.log('\nratios (goals: small engine/piscina ≥ 10 at 2 workers; cpu engine 2/1 workers ≥ 1.8; cpu engine/piscina ≥ 0.95)');
console.table(ratios);

progress('single-message latency (tinybench)');
const single = await singleMessageLatency();
console.log('\nunloaded latency of one message, 2 workers');
console.table(single);

const total = quick ? 100_000 : 1_000_000;
progress(`memory: ${total.toLocaleString()} messages`);
const memory = await memoryRun(total);
console.log(`\n${total.toLocaleString()} messages dispatched while processQueue runs (goal: peak RSS growth < 100 MB)`);
console.table([memory]);

const chart = fileURLToPath(new URL('./results/engine-throughput.svg', import.meta.url));
writeLineChart(chart, {
  title: 'eric-sse engine vs raw piscina: throughput by worker count',
  xLabel: `worker threads (${(await import('node:os')).cpus().length} CPU cores)`,
  yLabel: 'messages per second (log scale)',
  xs: workerCounts,
  series: [
    { name: 'engine, small', values: workerCounts.map((w) => rate('small', 'engine', w)) },
    { name: 'piscina, small', values: workerCounts.map((w) => rate('small', 'piscina', w)), dashed: true },
    { name: 'engine, ~1 ms CPU', values: workerCounts.map((w) => rate('cpu', 'engine', w)) },
    { name: 'piscina, ~1 ms CPU', values: workerCounts.map((w) => rate('cpu', 'piscina', w)), dashed: true },
  ],
});
console.log(`chart ${chart}`);
saveResults('engine', { quick, cpuIterations: iterations, throughput: rows, ratios, singleMessageLatency: single, memory });
