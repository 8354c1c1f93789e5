// One producer and N consumer processes sharing one Redis queue: each job is processed by
// exactly one consumer. Uses REDIS_URL when set; otherwise starts a private redis-server
// (it must be installed: apt-get install redis-server) on a free port and stops it after.
// `node examples/redis-workers/main.js [JOBS] [CONSUMERS]`
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const jobs = Number(process.argv[2] ?? 20);
const consumers = Number(process.argv[3] ?? 3);

async function privateRedis() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eric-sse-redis-example-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { stdio: 'ignore' });
  child.on('error', () => undefined);
  for (let i = 0; spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG'; i += 1) {
    if (i > 100) throw new Error('could not start redis-server: install it (apt-get install redis-server) or set REDIS_URL');
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => (child.kill(), rmSync(dir, { recursive: true, force: true })) };
}

/** Runs a script of this folder, passing its output through; resolves its exit code. */
function run(script, args, env) {
  const child = spawn(process.execPath, [path.join(here, script), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  child.stdout.setEncoding('utf8');
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop();
    for (const line of parts) {
      lines.push(line);
      console.log(line);
    }
  });
  return { lines, exited: once(child, 'exit').then(([code]) => code) };
}

const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => undefined } : await privateRedis();
try {
  // A prefix of its own per run: several runs (or apps) can share one Redis.
  const env = { ...process.env, REDIS_URL: redis.url, PREFIX: `redis-workers-example-${process.pid}:` };
  const workers = Array.from({ length: consumers }, (_, i) => run('consumer.js', [`consumer-${i + 1}`], env));
  // Wait until every consumer has registered (not required: the queue keeps jobs until taken).
  while (workers.some((w) => !w.lines.some((line) => line.endsWith(': ready')))) await sleep(20);
  const producer = run('producer.js', [String(jobs), String(consumers)], env);
  if ((await producer.exited) !== 0) throw new Error('producer failed');
  const codes = await Promise.all(workers.map((w) => w.exited));
  if (codes.some((code) => code !== 0)) throw new Error('a consumer failed');
  const processed = workers.flatMap((w) => w.lines.filter((line) => / job \d+ -> /.test(line)));
  const distinct = new Set(processed.map((line) => line.split(' job ')[1]));
  console.log(`main: ${distinct.size} of ${jobs} jobs processed, by ${workers.map((w, i) => `consumer-${i + 1}: ${w.lines.filter((l) => / job \d+ -> /.test(l)).length}`).join(', ')}`);
} finally {
  redis.stop();
}
