// The data-processing engine against Piscina, same handler, same payloads, same threads.
//
//   npm run bench -- engine [--save]        (BENCH_QUICK=1: a smoke run, not figures to quote)
//
// Workloads, for worker counts 1, 2, 4, 8 (and os.availableParallelism() when larger):
//   small — 200,000 messages `{ i, s: 'hello world' }`, the handler returns its payload:
//           transport and scheduling are all there is. Two ways to feed it:
//             pre-filled: the queue holds every message before the clock starts;
//             producer:   a producer dispatches beside the consumer (a bounded queue,
//                         capacity 4,096, so it waits for room), one dispatch() per row
//                         or one dispatchMany() per 256 rows;
//           against hand-batched Piscina (256 payloads per run(), 4 runs in flight per
//           thread, all handed to the thread at once (concurrentTasksPerWorker 4), atomics
//           'disabled': the fastest settings measured here, as a user tuning it would pick;
//           2 in flight ran 10–15 % slower, 6 and 8 no faster than 4; atomics 'sync' 10–20 %
//           slower, 'async' close) and per-message Piscina (one run() per message, a window of 128 in flight,
//           its best window here). The engine is measured through processQueue (one result
//           per iteration) and processChunks (arrays of results).
//   cpu   — ~1 ms of integer arithmetic per message, engine vs per-message Piscina.
// Each configuration runs `rounds` times, contenders interleaved, so that a noisy machine
// hurts them alike; ratios are taken within a round and the median (with min–max) printed.
// Then: time to the first result on an idle pool, and 10,000,000 rows dispatched by a fast
// producer into a bounded queue while processQueue consumes them (peak RSS growth).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { setImmediate as turn } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { DataProcessingChannel, InMemoryMessageQueueFactory, Message, WorkerListener } from 'eric-sse';
import { environment, median, percentile, resultsDir, saveResults } from './lib/results.js';
import { spin } from './lib/handlers.js';
import { writeLineChart } from './lib/svg-chart.js';

const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const handlers = new URL('./lib/handlers.js', import.meta.url);
const batchEntry = new URL('./lib/piscina-batch.js', import.meta.url).href;
const kBatch = 256;
/** Hand-batched Piscina's runs in flight per thread (see the header). */
const kPiscinaRunsPerThread = 4;
const kPerMessageWindow = 128;
const kProducerCapacity = 4096;
const workerCounts = [1, 2, 4, 8];
if (os.availableParallelism() > 8) workerCounts.push(os.availableParallelism());
const progress = (text) => process.stderr.write(`  … ${text}\n`);

const small = {
  count: quick ? 20_000 : 200_000,
  perMessageCount: quick ? 3_000 : 30_000,
  payload: (i) => ({ i, s: 'hello world' }),
};

/**
 * Spin iterations that take about 1 ms of CPU here (after warming the JIT). Measured in CPU
 * time, not wall time, so that a busy machine (which deschedules the thread) does not shrink
 * the work. Only this thread runs meanwhile, so the process's CPU time is its own.
 */
function calibrateSpin() {
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  let iterations = 100_000;
  for (let round = 0; round < 6; round += 1) {
    const started = cpuMs();
    for (let k = 0; k < 50; k += 1) spin({ payload: { i: k, iterations } });
    iterations = Math.round(iterations / Math.max(0.05, (cpuMs() - started) / 50));
  }
  return iterations;
}
const cpuIterations = calibrateSpin();
const cpu = { count: quick ? 200 : 1_000, payload: (i) => ({ i, iterations: cpuIterations }) };

/** A full collection when the benchmark runs with --expose-gc (bench/run.js passes it), else nothing. */
function collectGarbage() {
  globalThis.gc?.();
}

/** A channel with a warm pool (every thread started, handler loaded in each), and its listener. */
async function warmChannel(workers, name, queuesFactory) {
  const channel = new DataProcessingChannel({ maxWorkers: workers, ...(queuesFactory ? { queuesFactory } : {}) });
  const listener = new WorkerListener(handlers, { name });
  channel.registerListener(listener);
  await channel.warmUp(listener);
  for (let i = 0; i < 4 * workers; i += 1) await channel.dispatch(listener.id, new Message('m', small.payload(i)));
  for await (const _ of channel.processQueue(listener, { until: 'empty' }));
  return { channel, listener };
}

/** Consumes a run: one result per iteration, or (chunked) arrays of them; returns the count. */
async function consume(channel, listener, chunked) {
  let received = 0;
  if (chunked) {
    for await (const events of channel.processChunks(listener)) received += events.length;
  } else {
    for await (const _ of channel.processQueue(listener)) received += 1;
  }
  return received;
}

/** The engine on a queue filled before the clock starts. */
async function enginePrefilled(workers, count, payload, handler, chunked) {
  const { channel, listener } = await warmChannel(workers, handler);
  for (let i = 0; i < count; i += 1) await channel.dispatch(listener.id, new Message('m', payload(i)));
  await channel.notifyEnd();
  collectGarbage(); // the pre-fill's garbage is not this run's work
  const started = performance.now();
  const received = await consume(channel, listener, chunked);
  const elapsed = performance.now() - started;
  await channel.close();
  if (received !== count) throw new Error(`engine yielded ${received} of ${count}`);
  return (count / elapsed) * 1000;
}

/**
 * The engine with a producer dispatching beside the consumer, into a bounded queue: one
 * `dispatch` per row, or (`many`) `dispatchMany` per 256 rows, as the Piscina producer batches.
 */
async function engineWithProducer(workers, count, payload, chunked, many) {
  const factory = new InMemoryMessageQueueFactory({ capacity: kProducerCapacity });
  const { channel, listener } = await warmChannel(workers, 'echo', factory);
  const started = performance.now();
  const producer = (async () => {
    if (many) {
      for (let i = 0; i < count; i += kBatch) {
        const rows = [];
        for (let k = i; k < Math.min(count, i + kBatch); k += 1) rows.push(new Message('m', payload(k)));
        await channel.dispatchMany(listener.id, rows);
      }
    } else {
      for (let i = 0; i < count; i += 1) await channel.dispatch(listener.id, new Message('m', payload(i)));
    }
    await channel.notifyEnd();
  })();
  const received = await consume(channel, listener, chunked);
  await producer;
  const elapsed = performance.now() - started;
  await channel.close();
  if (received !== count) throw new Error(`engine yielded ${received} of ${count}`);
  return (count / elapsed) * 1000;
}

/** A Piscina pool whose every thread has started (piscina emits 'workerCreate' for each), as warmUp does for the engine. */
async function startedPool(options) {
  const pool = new Piscina(options);
  await new Promise((resolve) => {
    let started = 0;
    pool.on('workerCreate', () => {
      started += 1;
      if (started === options.maxThreads) resolve();
    });
  });
  return pool;
}

async function batchedPool(workers) {
  const pool = await startedPool({ filename: batchEntry, maxThreads: workers, minThreads: workers, atomics: 'disabled', concurrentTasksPerWorker: kPiscinaRunsPerThread });
  await Promise.all(Array.from({ length: 4 * workers }, (_, i) => pool.run({ handler: 'echo', type: 'm', payloads: [small.payload(i)] })));
  return pool;
}

/** Hand-batched Piscina on rows all in memory: 256 payloads per run(), `kPiscinaRunsPerThread` runs in flight per thread. */
async function piscinaBatchedPrefilled(workers, count, payload) {
  const pool = await batchedPool(workers);
  const rows = Array.from({ length: count }, (_, i) => payload(i));
  let next = 0;
  let received = 0;
  collectGarbage(); // as for the engine: the pre-fill's garbage is not this run's work
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const payloads = rows.slice(next, next + kBatch);
      next += kBatch;
      const results = await pool.run({ handler: 'echo', type: 'm', payloads });
      for (let i = 0; i < results.length; i += 1) received += results[i] === undefined ? 0 : 1;
    }
  };
  await Promise.all(Array.from({ length: kPiscinaRunsPerThread * workers }, lane));
  const elapsed = performance.now() - started;
  await pool.close();
  if (received !== count) throw new Error(`piscina returned ${received} of ${count}`);
  return (count / elapsed) * 1000;
}

/** Hand-batched Piscina fed by a producer: it fills a batch, runs it, waits while `kPiscinaRunsPerThread` per thread are in flight. */
async function piscinaBatchedWithProducer(workers, count, payload) {
  const pool = await batchedPool(workers);
  let received = 0;
  const inFlight = new Set();
  const started = performance.now();
  let batch = [];
  const flush = async () => {
    const payloads = batch;
    batch = [];
    const run = pool.run({ handler: 'echo', type: 'm', payloads }).then((results) => {
      for (let i = 0; i < results.length; i += 1) received += results[i] === undefined ? 0 : 1;
      inFlight.delete(run);
    });
    inFlight.add(run);
    if (inFlight.size >= kPiscinaRunsPerThread * workers) await Promise.race(inFlight);
  };
  for (let i = 0; i < count; i += 1) {
    batch.push(payload(i));
    if (batch.length === kBatch) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);
  const elapsed = performance.now() - started;
  await pool.close();
  if (received !== count) throw new Error(`piscina returned ${received} of ${count}`);
  return (count / elapsed) * 1000;
}

/** Per-message Piscina: one run() per message, `window` in flight. */
async function piscinaPerMessage(workers, count, payload, handler, window) {
  const pool = await startedPool({ filename: handlers.href, name: handler, maxThreads: workers, minThreads: workers, atomics: 'sync' });
  await Promise.all(Array.from({ length: 4 * workers }, (_, i) => pool.run({ type: 'm', payload: payload(i) })));
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await pool.run({ type: 'm', payload: payload(i) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  const elapsed = performance.now() - started;
  await pool.close();
  return (count / elapsed) * 1000;
}

/** The contenders of each workload, run in this order within a round. */
const contenders = {
  small: {
    'engine, pre-filled, processQueue': (w) => enginePrefilled(w, small.count, small.payload, 'echo', false),
    'engine, pre-filled, processChunks': (w) => enginePrefilled(w, small.count, small.payload, 'echo', true),
    'piscina batched, pre-filled': (w) => piscinaBatchedPrefilled(w, small.count, small.payload),
    'engine, producer, dispatch, processQueue': (w) => engineWithProducer(w, small.count, small.payload, false, false),
    'engine, producer, dispatchMany, processChunks': (w) => engineWithProducer(w, small.count, small.payload, true, true),
    'piscina batched, producer': (w) => piscinaBatchedWithProducer(w, small.count, small.payload),
    'piscina per message': (w) => piscinaPerMessage(w, small.perMessageCount, small.payload, 'echo', kPerMessageWindow),
  },
  cpu: {
    'engine, pre-filled, processQueue': (w) => enginePrefilled(w, cpu.count, cpu.payload, 'spin', false),
    'piscina per message': (w) => piscinaPerMessage(w, cpu.count, cpu.payload, 'spin', 4 * w),
  },
};

// rates[workload][contender][workers] = messages per second, one per round.
const rates = {};
for (const [workload, byName] of Object.entries(contenders)) {
  rates[workload] = {};
  for (const name of Object.keys(byName)) rates[workload][name] = {};
  for (const workers of workerCounts) {
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, run] of Object.entries(byName)) {
        progress(`${workload}, ${workers} worker(s), round ${round + 1}/${rounds}: ${name}`);
        (rates[workload][name][workers] ??= []).push(await run(workers));
      }
    }
  }
}

const k = (value) => `${Math.round(value / 1000)}k`;
const throughput = [];
for (const [workload, byName] of Object.entries(rates)) {
  for (const [name, byWorkers] of Object.entries(byName)) {
    for (const workers of workerCounts) {
      const values = byWorkers[workers];
      throughput.push({ workload, contender: name, workers, medianPerSecond: Math.round(median(values)), perRound: values.map(Math.round) });
    }
  }
}
console.log(`\nthroughput, messages per second (median of ${rounds} round(s); min–max)`);
console.table(
  throughput.map((r) => ({
    workload: r.workload,
    contender: r.contender,
    workers: r.workers,
    'msg/s': k(r.medianPerSecond),
    spread: `${k(Math.min(...r.perRound))}–${k(Math.max(...r.perRound))}`,
  })),
);

/** Ratios a/b taken round by round: median, min, max. */
function ratio(workload, a, b, workersA, workersB = workersA) {
  const as = rates[workload][a][workersA];
  const bs = rates[workload][b][workersB];
  const each = as.map((value, i) => value / bs[i]);
  return { median: Number(median(each).toFixed(2)), min: Number(Math.min(...each).toFixed(2)), max: Number(Math.max(...each).toFixed(2)) };
}

const goals = [];
const goal = (text, target, measured) => goals.push({ goal: text, target, ...measured, mark: measured.median >= target ? 'pass' : 'short' });
for (const workers of workerCounts.filter((w) => w <= 4)) {
  goal(`small, pre-filled, ${workers}w: processQueue / piscina batched`, 1.0, ratio('small', 'engine, pre-filled, processQueue', 'piscina batched, pre-filled', workers));
  goal(`small, pre-filled, ${workers}w: processChunks / piscina batched`, 1.0, ratio('small', 'engine, pre-filled, processChunks', 'piscina batched, pre-filled', workers));
  goal(`small, producer, ${workers}w: dispatch + processQueue / piscina batched`, 1.0, ratio('small', 'engine, producer, dispatch, processQueue', 'piscina batched, producer', workers));
  goal(`small, producer, ${workers}w: dispatchMany + processChunks / piscina batched`, 1.0, ratio('small', 'engine, producer, dispatchMany, processChunks', 'piscina batched, producer', workers));
  goal(`small, pre-filled, ${workers}w: processQueue / piscina per message`, 15, ratio('small', 'engine, pre-filled, processQueue', 'piscina per message', workers));
}
for (const workers of workerCounts) {
  goal(`cpu ~1 ms, ${workers}w: engine / piscina per message`, 0.95, ratio('cpu', 'engine, pre-filled, processQueue', 'piscina per message', workers));
}
goal('cpu ~1 ms: engine 2 workers / 1 worker', 1.8, ratio('cpu', 'engine, pre-filled, processQueue', 'engine, pre-filled, processQueue', 2, 1));

/**
 * Time to the first result on an idle (warm) pool, 2 workers: from `dispatch` to the first
 * result `processQueue` yields (the run then ends, untimed), against one Piscina run().
 * Samples alternate between the two, so that a noisy machine hurts them alike.
 */
async function firstResultLatency() {
  const { channel, listener } = await warmChannel(2, 'echo');
  const pool = await startedPool({ filename: handlers.href, name: 'echo', maxThreads: 2, minThreads: 2, atomics: 'sync' });
  await pool.run({ type: 'm', payload: 0 });
  const samples = quick ? 2_000 : 20_000;
  const engine = [];
  const piscina = [];
  for (let i = -500; i < samples; i += 1) {
    let started = performance.now();
    await channel.dispatch(listener.id, new Message('m', small.payload(i)));
    const run = channel.processQueue(listener, { until: 'empty' });
    await run.next();
    const engineMs = performance.now() - started;
    await run.return();
    started = performance.now();
    await pool.run({ type: 'm', payload: small.payload(i) });
    const piscinaMs = performance.now() - started;
    if (i >= 0) {
      engine.push(engineMs);
      piscina.push(piscinaMs);
    }
  }
  await channel.close();
  await pool.close();
  const row = (name, values) => {
    values.sort((a, b) => a - b);
    return { name, p50Ms: Number(percentile(values, 50).toFixed(4)), p90Ms: Number(percentile(values, 90).toFixed(4)), p99Ms: Number(percentile(values, 99).toFixed(4)), samples: values.length };
  };
  return [row('engine: dispatch 1 message → first result', engine), row('piscina: 1 run()', piscina)];
}

progress('time to the first result on an idle pool');
const latency = await firstResultLatency();
console.log('\ntime to the first result on an idle pool, 2 workers');
console.table(latency);
const latencyRatio = latency[0].p50Ms / latency[1].p50Ms;
goals.push({ goal: 'first result on an idle pool: engine / one piscina run() (p50, lower is better)', target: '≤ 1.5', median: Number(latencyRatio.toFixed(2)), min: '', max: '', mark: latencyRatio <= 1.5 ? 'pass' : 'short' });

/** `total` rows dispatched by a producer that never pauses, into a bounded queue, while processQueue consumes. */
async function memoryRun(total, capacity) {
  const { channel, listener } = await warmChannel(2, 'echo', new InMemoryMessageQueueFactory({ capacity }));
  globalThis.gc?.();
  await turn();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  let received = 0;
  const started = performance.now();
  const producer = (async () => {
    for (let i = 0; i < total; i += 1) {
      await channel.dispatch(listener.id, new Message('row', { i, s: 'hello world' }));
      if (i % 2_000_000 === 0 && i > 0) progress(`memory: ${i.toLocaleString()} dispatched, ${received.toLocaleString()} processed`);
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
    rows: total,
    capacity,
    seconds: Number((elapsed / 1000).toFixed(1)),
    rowsPerSecond: Math.round((total / elapsed) * 1000),
    baselineRssMb: Number((baseline / 2 ** 20).toFixed(1)),
    peakRssGrowthMb: Number(((peak - baseline) / 2 ** 20).toFixed(1)),
  };
}

const memoryRows = quick ? 1_000_000 : 10_000_000;
progress(`memory: ${memoryRows.toLocaleString()} rows into a bounded queue`);
const memory = await memoryRun(memoryRows, 10_000);
console.log(`\n${memoryRows.toLocaleString()} rows dispatched by a fast producer into a bounded queue (capacity 10,000) while processQueue consumes`);
console.table([memory]);
goals.push({ goal: `${memoryRows.toLocaleString()} rows, bounded queue: peak RSS growth (MB, lower is better)`, target: '< 100', median: memory.peakRssGrowthMb, min: '', max: '', mark: memory.peakRssGrowthMb < 100 ? 'pass' : 'short' });

const env = environment();
console.log(`\ngoals (ratios within a round, median of ${rounds}, min–max) on ${env.cpus} × ${env.cpuModel}, Node ${env.node}, load average ${env.loadAverageAtEnd.join(' ')}`);
console.table(goals);

const chart = fileURLToPath(new URL('engine-throughput.svg', resultsDir()));
const series = (workload, name) => workerCounts.map((w) => median(rates[workload][name][w]));
writeLineChart(chart, {
  title: 'eric-sse engine vs Piscina: throughput by worker count',
  xLabel: `worker threads (${env.cpus} CPU cores)`,
  yLabel: 'messages per second (log scale)',
  xs: workerCounts,
  series: [
    { name: 'engine, small, processQueue', values: series('small', 'engine, pre-filled, processQueue') },
    { name: 'engine, small, processChunks', values: series('small', 'engine, pre-filled, processChunks') },
    { name: 'piscina batched, small', values: series('small', 'piscina batched, pre-filled'), dashed: true },
    { name: 'piscina per message, small', values: series('small', 'piscina per message'), dashed: true },
    { name: 'engine, ~1 ms CPU', values: series('cpu', 'engine, pre-filled, processQueue') },
    { name: 'piscina per message, ~1 ms CPU', values: series('cpu', 'piscina per message'), dashed: true },
  ],
});
console.log(`chart ${chart}`);
saveResults('engine', { quick, rounds, cpuIterations, batchSize: kBatch, perMessageWindow: kPerMessageWindow, throughput, goals, firstResultLatency: latency, memory });
