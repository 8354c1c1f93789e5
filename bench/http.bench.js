// HTTP benchmarks (`npm run bench -- http`): SSE over HTTP on one process, loopback only, with
// the clients (lean raw node:net clients, bench/http/clients.js) in a child process so that
// the figures are the server's own. Servers: bench/http/servers.js.
// 1. 1,000 concurrent clients x 100 broadcast events, for eric-sse's writer driven by an
//    SSEChannel broadcast (channelEvents + writeEventStream, the service's path), the full
//    Fastify service, better-sse 0.16 (Channel broadcast to sessions, on node:http), and the
//    writer alone fed by a trivial fan-out (no channel), to tell the writer's share:
//    0 lost and every client in order (checked: the benchmark fails otherwise), events
//    delivered per second (burst: one broadcast per event-loop turn), p50/p99
//    broadcast-to-receive latency (paced: one broadcast every 50 ms), and the server's CPU time
//    per delivered event (steadier than events/s on a shared machine). Best of 3 runs each.
// 2. Memory (heap + external) per idle connected client, server side, after full GCs.
// 3. One stalled client (stops reading; its connection filled until writes return false)
//    among 1,000: p99 latency of the 999 others against a run without it.
// better-sse is a dependency of this benchmark only (bench/http/deps/package.json), installed
// there on first run. Prints the tables and a goals table; saves bench/results/http.json.
import { fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { saveResults } from './lib/results.js';

const kClients = 1000;
const kEvents = 100;
const kPaceMs = 50;
const kRepeats = process.env.BENCH_QUICK === '1' ? 1 : 3;
const kStallIndex = kClients / 2;
const kWarmupClients = 100;
const kRunBoundMs = 60_000;
const kGoals = { ratio: 1.0, memoryKiB: 20, stallP99Ratio: 2 };

const depsDir = fileURLToPath(new URL('./http/deps/', import.meta.url));
const clientsScript = fileURLToPath(new URL('./http/clients.js', import.meta.url));
const round = (value, digits = 0) => Number(value.toFixed(digits));
const progress = (text) => process.stdout.write(`  ${text}\n`);

if (typeof globalThis.gc !== 'function') {
  // Memory figures need full collections: run again with --expose-gc (bench/run.js passes it).
  const { status } = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}
if (!existsSync(`${depsDir}node_modules/better-sse/package.json`)) {
  progress('installing the benchmark-only dependencies (bench/http/deps: better-sse)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { status } = spawnSync(npm, ['install', '--prefix', depsDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (status !== 0) throw new Error(`npm install --prefix ${depsDir} failed with status ${status}`);
}
const { betterSseServer, bareHttpServer, ericServiceServer, ericWriterServer, nowUs, writerOnlyServer } = await import('./http/servers.js');
const kServers = { 'eric-writer': ericWriterServer, 'eric-service': ericServiceServer, 'better-sse': betterSseServer, 'writer-only': writerOnlyServer };

/** Resolves with the child's next message of one of `types`; rejects if it exits first. */
function nextMessage(child, types) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (!types.includes(message.type)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`the clients' process exited with ${code} while waiting for ${types.join('/')}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Waits until `condition()` holds, polling; throws after `boundMs` saying `what`. */
async function until(condition, what, boundMs = kRunBoundMs) {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Starts the clients' process and connects `count` clients (numbered from `first`) to
 * `server`; resolves once all stream.
 */
async function connectClients(server, { events, stall, first = 0, count = kClients }) {
  const child = fork(clientsScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await server.prepare(first, count);
  const paths = Array.from({ length: count }, (_, i) => server.path(first + i));
  child.send({ type: 'connect', port: server.port, paths, events, stall });
  const ready = await nextMessage(child, ['ready']);
  if (ready.problems.length > 0) throw new Error(`${server.name}: clients failed to connect: ${ready.problems.join('; ')}`);
  await until(() => server.streaming() === count, `${count} streams on ${server.name} (have ${server.streaming()})`);
  return { child, connectMs: ready.ms };
}

async function closeClients(child) {
  const exited = once(child, 'exit');
  child.send({ type: 'close' });
  await exited;
}

/**
 * One run: `kClients` clients, `kEvents` broadcasts (`burst`: one per event-loop turn;
 * `paced`: one every `kPaceMs`), optionally with client `kStallIndex` stalled. Throws if a
 * client lost an event or got one out of order.
 */
async function runOnce(name, { mode, stall = false }) {
  const server = await kServers[name]();
  try {
    const { child, connectMs } = await connectClients(server, { events: kEvents, stall: stall ? kStallIndex : -1 });
    try {
      if (stall) await server.fill(kStallIndex);
      // Garbage of earlier runs (a server closed with its 1,000 connections) is collected now,
      // not inside this run's measured window.
      await collect();
      const finished = nextMessage(child, ['done', 'timeout']);
      const bound = setTimeout(() => child.send({ type: 'report' }), kRunBoundMs);
      const startUs = nowUs();
      const cpuStart = process.cpuUsage();
      for (let seq = 0; seq < kEvents; seq += 1) {
        await server.broadcast(seq);
        if (mode === 'paced') await sleep(kPaceMs);
        else await nextTurn();
      }
      const { type, stats } = await finished;
      const cpu = process.cpuUsage(cpuStart);
      clearTimeout(bound);
      const seconds = (stats.lastReceiveUs - startUs) / 1e6;
      const row = {
        server: name,
        mode: stall ? `${mode}, 1 stalled` : mode,
        clients: stats.clients,
        delivered: stats.received,
        lost: stats.lost,
        eventsPerSecond: round(stats.received / seconds),
        // The server's CPU time per delivered event: steadier than events/s on a shared machine.
        cpuUsPerEvent: round((cpu.user + cpu.system) / stats.received, 2),
        p50Ms: round(stats.p50Ms, 2),
        p99Ms: round(stats.p99Ms, 2),
        maxMs: round(stats.maxMs, 2),
        connectMs: round(connectMs),
      };
      if (type === 'timeout' || stats.lost !== 0 || stats.problems.length > 0) {
        throw new Error(
          `${name} (${row.mode}): ${stats.lost} events lost, ${stats.problems.length} problems: ${stats.problems.slice(0, 5).join('; ')}`,
        );
      }
      return row;
    } finally {
      await closeClients(child);
    }
  } finally {
    await server.close();
  }
}

/** Full collections until the heap settles. */
async function collect() {
  for (let i = 0; i < 4; i += 1) {
    globalThis.gc();
    await nextTurn();
  }
}

function heapAndExternal() {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Heap + external per idle connected client, registration included, in KiB: the growth from
 * `kClients` clients, measured after a warm-up of other clients (connected, then gone), so
 * that one-time costs (compiled code, pools) are not counted per client.
 */
async function memoryPerClient(makeServer) {
  const server = await makeServer();
  try {
    const warmup = await connectClients(server, { events: 0, stall: -1, first: kClients, count: kWarmupClients });
    await closeClients(warmup.child);
    await until(() => server.streaming() === 0, `the warm-up clients of ${server.name} to leave`);
    await collect();
    const before = heapAndExternal();
    const { child } = await connectClients(server, { events: 0, stall: -1 });
    try {
      await sleep(200);
      await collect();
      const after = heapAndExternal();
      return { server: server.name, clients: kClients, perClientKiB: round((after - before) / kClients / 1024, 2) };
    } finally {
      await closeClients(child);
    }
  } finally {
    await server.close();
  }
}

const best = (rows, key, pick) => rows.reduce((a, b) => (pick(a[key], b[key]) === a[key] ? a : b));

console.log(`${kClients} clients x ${kEvents} events, clients in a child process (raw node:net), loopback; best of ${kRepeats} runs`);

// 1. Throughput (burst) and latency (paced), interleaved so that a noisy moment hits all alike.
const runs = [];
for (let repeat = 1; repeat <= kRepeats; repeat += 1) {
  // Each repeat starts with another server, so that no server always runs first (or last).
  const names = Object.keys(kServers);
  for (const name of [...names.slice((repeat - 1) % names.length), ...names.slice(0, (repeat - 1) % names.length)]) {
    for (const mode of ['burst', 'paced']) {
      progress(`${name}, ${mode}, run ${repeat}/${kRepeats}…`);
      runs.push(await runOnce(name, { mode }));
    }
  }
}
const throughput = Object.keys(kServers).map((name) => {
  const burst = best(runs.filter((r) => r.server === name && r.mode === 'burst'), 'eventsPerSecond', Math.max);
  const paced = best(runs.filter((r) => r.server === name && r.mode === 'paced'), 'p99Ms', Math.min);
  return {
    server: name,
    lost: runs.filter((r) => r.server === name).reduce((sum, r) => sum + r.lost, 0),
    eventsPerSecond: burst.eventsPerSecond,
    cpuUsPerEvent: Math.min(...runs.filter((r) => r.server === name && r.mode === 'burst').map((r) => r.cpuUsPerEvent)),
    burstP50Ms: burst.p50Ms,
    burstP99Ms: burst.p99Ms,
    pacedP50Ms: paced.p50Ms,
    pacedP99Ms: paced.p99Ms,
  };
});
console.table(throughput);

// 2. Memory per idle client.
progress('memory per idle client…');
const memory = [];
for (const makeServer of [bareHttpServer, ericWriterServer, ericServiceServer, betterSseServer]) memory.push(await memoryPerClient(makeServer));
console.table(memory);

// 3. A stalled client among 1,000: paced runs with and without it, alternated.
const stallRuns = [];
for (let repeat = 1; repeat <= kRepeats; repeat += 1) {
  for (const name of ['eric-writer', 'eric-service']) {
    for (const stall of [false, true]) {
      progress(`${name}, paced${stall ? ', 1 stalled' : ''}, run ${repeat}/${kRepeats}…`);
      stallRuns.push(await runOnce(name, { mode: 'paced', stall }));
    }
  }
}
const stalled = ['eric-writer', 'eric-service'].map((name) => {
  const without = best(stallRuns.filter((r) => r.server === name && r.mode === 'paced'), 'p99Ms', Math.min);
  const withStall = best(stallRuns.filter((r) => r.server === name && r.mode !== 'paced'), 'p99Ms', Math.min);
  return {
    server: name,
    p50Ms: without.p50Ms,
    p99Ms: without.p99Ms,
    stalledP50Ms: withStall.p50Ms,
    stalledP99Ms: withStall.p99Ms,
    p99Ratio: round(withStall.p99Ms / without.p99Ms, 2),
  };
});
console.table(stalled);

// Goals.
const rowOf = (rows, name) => rows.find((r) => r.server === name);
const versusBetterSse = (name, key = 'eventsPerSecond') => rowOf(throughput, name)[key] / rowOf(throughput, 'better-sse')[key];
const ratio = versusBetterSse('eric-writer');
const serviceRatio = versusBetterSse('eric-service');
const writerOnlyRatio = versusBetterSse('writer-only');
const cpuRatio = 1 / versusBetterSse('eric-writer', 'cpuUsPerEvent');
const mark = (ok) => (ok ? 'pass' : 'short');
const goals = [
  { goal: `0 lost, every client in order (${runs.length + stallRuns.length} runs)`, value: 'checked', mark: 'pass' },
  { goal: `events/s, eric writer / better-sse >= ${kGoals.ratio}x`, value: `${round(ratio, 2)}x`, mark: mark(ratio >= kGoals.ratio) },
  { goal: 'events per server CPU-second, eric writer / better-sse', value: `${round(cpuRatio, 2)}x`, mark: mark(cpuRatio >= kGoals.ratio) },
  { goal: 'events/s, eric service / better-sse (reported)', value: `${round(serviceRatio, 2)}x`, mark: 'info' },
  { goal: 'events/s, writer alone (no channel) / better-sse (reported)', value: `${round(writerOnlyRatio, 2)}x`, mark: 'info' },
  ...memory
    .filter((r) => r.server.startsWith('eric'))
    .map((r) => ({ goal: `memory per idle client, ${r.server} < ${kGoals.memoryKiB} KiB`, value: `${r.perClientKiB} KiB`, mark: mark(r.perClientKiB < kGoals.memoryKiB) })),
  ...stalled.map((r) => ({ goal: `1 stalled client: p99 of the others, ${r.server} <= ${kGoals.stallP99Ratio}x`, value: `${r.p99Ratio}x`, mark: mark(r.p99Ratio <= kGoals.stallP99Ratio) })),
];
console.table(goals);
saveResults('http', {
  clients: kClients,
  events: kEvents,
  paceMs: kPaceMs,
  repeats: kRepeats,
  throughput,
  memory,
  stalled,
  goals,
  runs: [...runs, ...stallRuns],
});
