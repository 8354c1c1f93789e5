// A private redis-server for the Redis benchmark (free loopback port, temp dir), unless
// REDIS_URL names one to use.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server (no persistence); returns `{ url, stop() }`. */
export async function startRedisServer() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined, version: 'external' };
  const dir = mkdtempSync(join(tmpdir(), 'eric-sse-bench-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; ; i += 1) {
    const ping = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' });
    if (ping.stdout?.trim() === 'PONG') break;
    if (i > 200) throw new Error('redis-server did not start (is it installed? apt-get install redis-server)');
    await sleep(50);
  }
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    url: `redis://127.0.0.1:${port}`,
    version,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
