// Socket benchmarks (`npm run bench -- socket`), against `eric-sse serve` running in its own
// process (as in production), driven by SocketClient from this process:
// 1. commands per second (broadcast, one connection per command as the protocol wants), with
//    1 and 16 concurrent clients, plus per-command latency percentiles;
// 2. streamed events per second: 1 and 16 listeners each stream the same pre-queued events
//    over their own `l` connection until the closed message ends the stream.
// Prints a table and saves bench/results/socket.json.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MESSAGE_TYPE_CLOSED, SocketClient } from 'eric-sse';
import { percentile, saveResults } from './lib/results.js';

const kCommandSeconds = 4;
const kWarmupSeconds = 0.5;
const kClients = [1, 16];
const kEventsPerListener = 20_000;
const kPayload = { text: 'Hi there!', n: 42, tags: ['a', 'b'] };

const round = (value, digits = 0) => Number(value.toFixed(digits));
const cli = path.join(path.dirname(createRequire(import.meta.url).resolve('eric-sse')), 'cli', 'main.js');

/** Starts `eric-sse serve` in a child process; resolves once it serves. */
async function startServer(socketPath) {
  const child = spawn(process.execPath, [cli, 'serve', '--socket', socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('serving on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`eric-sse serve exited with ${code}`)));
  });
  return child;
}

/** Each of `clients` loops on `command` for `seconds`; returns commands/s and latency percentiles. */
async function commandLoop(clients, seconds, command) {
  const deadline = performance.now() + seconds * 1000;
  const latencies = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await command();
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    commands: latencies.length,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function commandsPerSecond(client, channelId) {
  const rows = [];
  await commandLoop(4, kWarmupSeconds, () => client.broadcastMessage(channelId, 'warmup', kPayload));
  for (const clients of kClients) {
    process.stdout.write(`  commands: ${clients} client(s), ${kCommandSeconds} s…\n`);
    const result = await commandLoop(clients, kCommandSeconds, () => client.broadcastMessage(channelId, 'tick', kPayload));
    rows.push({
      part: 'commands/s (b)',
      clients,
      count: result.commands,
      perSecond: round(result.perSecond),
      p50Ms: round(result.p50Ms, 3),
      p99Ms: round(result.p99Ms, 3),
    });
  }
  return rows;
}

/** Queues `kEventsPerListener` events for `listeners` listeners, then times streaming them all. */
async function eventsPerSecond(client, listeners) {
  const channelId = await client.createChannel();
  const listenerIds = [];
  for (let i = 0; i < listeners; i += 1) listenerIds.push(await client.register(channelId));
  process.stdout.write(`  events: queueing ${kEventsPerListener} events for ${listeners} listener(s)…\n`);
  let sent = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (sent < kEventsPerListener) {
        sent += 1;
        await client.broadcastMessage(channelId, 'event', kPayload);
      }
    }),
  );
  await client.broadcastMessage(channelId, MESSAGE_TYPE_CLOSED, null);
  process.stdout.write(`  events: streaming over ${listeners} connection(s)…\n`);
  const start = performance.now();
  const received = await Promise.all(
    listenerIds.map(async (listenerId) => {
      let count = 0;
      for await (const line of client.stream(channelId, listenerId)) {
        if (!line.includes(MESSAGE_TYPE_CLOSED)) count += 1;
      }
      return count;
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const total = received.reduce((sum, count) => sum + count, 0);
  if (total !== listeners * kEventsPerListener) throw new Error(`expected ${listeners * kEventsPerListener} events, got ${total}`);
  await client.removeChannel(channelId);
  return { part: 'events/s (l)', clients: listeners, count: total, perSecond: round(total / seconds), p50Ms: null, p99Ms: null };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'eric-bench-'));
const socketPath = path.join(dir, 'bench.sock');
const server = await startServer(socketPath);
try {
  console.log(`server: eric-sse serve in a child process; clients: SocketClient in this process; payload ${JSON.stringify(kPayload)}`);
  const client = new SocketClient(socketPath);
  const channelId = await client.createChannel();
  await client.register(channelId); // broadcasts queue for one listener, as in real use
  const rows = await commandsPerSecond(client, channelId);
  await client.removeChannel(channelId);
  for (const listeners of kClients) rows.push(await eventsPerSecond(client, listeners));
  console.table(rows);
  saveResults('socket', { commandSeconds: kCommandSeconds, eventsPerListener: kEventsPerListener, rows });
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  rmSync(dir, { recursive: true, force: true });
}
