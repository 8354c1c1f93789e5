// `eric-sse serve --http ... --redis URL` (or REDIS_URL) as a real child process: channels
// survive a restart of the process, and an unreachable Redis is a clear error and exit code 1.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ericApi, onCleanup, openStream } from './http-helpers.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-helpers.js';

const cli = path.join(path.dirname(createRequire(import.meta.url).resolve('eric-sse')), 'cli', 'main.js');

/** Runs `eric-sse serve --http 127.0.0.1:0 ...args`; `serving` resolves with its base URL. */
function runServe(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, 'serve', '--http', '127.0.0.1:0', '--log-level', 'warn', ...args], {
    env: { ...process.env, ERIC_SSE_TOKEN: '', REDIS_URL: '', ...env },
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const serving = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /serving on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`CLI exited with ${code} before serving: ${stdout}${stderr}`)));
  });
  serving.catch(() => undefined);
  return { child, serving, exited, stderr: () => stderr };
}

/** A loopback port that nothing listens on (free when asked). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('eric-sse serve --http --redis', () => {
  it.skipIf(!redisAvailable)('keeps channels, listeners and queued messages across a restart of the process (REDIS_URL too)', async () => {
    const redis: RedisServer = await startRedis(); // private: the default key prefix is fine
    const first = runServe(['--redis', redis.url]);
    const api = ericApi(await first.serving);
    const c = await api.createChannel('orders');
    const l = await api.subscribe(c);
    await api.dispatch(c, l, 'queued', { n: 1 });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0); // exits by itself: its Redis connections were closed

    const second = runServe([], { REDIS_URL: redis.url });
    const base = await second.serving;
    const again = ericApi(base);
    expect(await again.call('GET', '/')).toEqual({ orders: [l] });
    const stream = await openStream(`${base}/stream/${c}/${l}`);
    await stream.until(1);
    expect(stream.events()[0]).toMatchObject({ event: 'queued', data: '{"n":1}' });
    stream.abort();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('with Redis unreachable at start: a clear error (password hidden) and exit code 1, not a hang', async () => {
    const port = await closedPort();
    const run = runServe(['--redis', `redis://user:s3cret@127.0.0.1:${port}`]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`eric-sse: cannot reach Redis at redis://user:***@127.0.0.1:${port} (--redis / REDIS_URL):`);
    expect(run.stderr()).not.toContain('s3cret');
  });

  it('a --redis that is not a redis:// URL is a usage error (exit code 2); --help tells of --redis', async () => {
    for (const [url, message] of [
      ['localhost:6379', '--redis expects a redis:// or rediss:// URL, got "localhost:6379"'],
      ['not a url', '--redis expects a URL such as redis://127.0.0.1:6379, got "not a url"'],
    ] as const) {
      const run = runServe(['--redis', url]);
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toContain(message);
    }
    const socket = spawn(process.execPath, [cli, 'serve', '--socket', '/tmp/never.sock', '--redis', 'redis://127.0.0.1:6379']);
    let stderr = '';
    socket.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    expect((await once(socket, 'exit'))[0]).toBe(2);
    expect(stderr).toContain('--redis applies to --http only');
    const help = spawn(process.execPath, [cli, 'serve', '--help']);
    let usage = '';
    help.stdout.setEncoding('utf8').on('data', (chunk: string) => (usage += chunk));
    expect((await once(help, 'exit'))[0]).toBe(0);
    expect(usage).toContain('--redis URL');
    expect(usage).toContain('REDIS_URL');
  });
});
