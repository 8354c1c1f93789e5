// Private redis-server processes for the Redis tests: each on a free loopback port with a
// temporary directory (never the machine's 6379), stopped after the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';

const kInstallHint = 'install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`';

/** Whether `redis-server` and `redis-cli` are on the PATH. */
function hasBinaries(): boolean {
  return ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * Whether the Redis tests can run. Without the binaries they are skipped with one line
 * saying how to install them; under `CI=true` a missing binary fails instead.
 */
export const redisAvailable = hasBinaries();
if (!redisAvailable) {
  if (process.env.CI === 'true') throw new Error(`redis-server not found on the PATH (CI=true): ${kInstallHint}`);
  console.warn(`Redis tests skipped: redis-server not found on the PATH; ${kInstallHint}`);
}

/** A free TCP port on 127.0.0.1 (free when asked; redis-server retries if it is taken meanwhile). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  if (port === 6379) return freePort();
  return port;
}

/** Options of a private server. */
export interface RedisServerOptions {
  /** Append-only file with `appendfsync always` (so that a restart loses nothing). */
  aof?: boolean;
  /** Start as a cluster node. */
  cluster?: boolean;
}

/** A private redis-server process. */
export class RedisServer {
  readonly dir: string;
  port = 0;
  #process: ChildProcess | undefined;
  readonly #options: RedisServerOptions;

  constructor(options: RedisServerOptions = {}) {
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'eric-sse-redis-'));
  }

  /** `redis://127.0.0.1:PORT`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (on the same port and directory after a `stop()`). */
  async start(): Promise<this> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.port === 0 || attempt > 0) this.port = await freePort();
      try {
        await this.#spawn();
        return this;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  }

  /** Restarts on the same port and directory (after `stop()` or `kill()`). */
  async restart(): Promise<void> {
    await this.#spawn();
  }

  /** Stops the server (SIGTERM: with AOF on, everything written is on disk). */
  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  /** Kills the server abruptly (SIGKILL). */
  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs redis-cli against this server; returns its output. */
  cli(...args: string[]): string {
    const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  async #spawn(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--daemonize', 'no',
      '--protected-mode', 'no',
      '--loglevel', 'warning',
      '--appendonly', this.#options.aof ? 'yes' : 'no',
      '--appendfsync', 'always',
    ];
    if (this.#options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000');
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on port ${this.port}: ${output}`))),
    );
    exited.catch(() => undefined);
    this.#process = child;
    // Ready once it answers PING (bounded: a server that never comes up fails the test).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ping = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), 'PING'], { encoding: 'utf8' });
      if (ping.stdout?.trim() === 'PONG') return;
      if (child.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}: ${output}`);
      await Promise.race([sleep(50), exited]);
    }
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

const servers = new Set<RedisServer>();
afterAll(async () => {
  await Promise.all([...servers].map((server) => server.dispose()));
  servers.clear();
});

/** Starts a private server, disposed after this file's tests. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = new RedisServer(options);
  servers.add(server);
  return server.start();
}

/** Starts a cluster of `masters` private nodes (no replicas); returns them once the cluster is ok. */
export async function startRedisCluster(masters = 3): Promise<RedisServer[]> {
  const nodes = await Promise.all(Array.from({ length: masters }, () => startRedis({ cluster: true })));
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  const deadline = Date.now() + 20_000;
  while (!nodes.every((node) => node.cli('CLUSTER', 'INFO').includes('cluster_state:ok'))) {
    if (Date.now() > deadline) throw new Error('the Redis cluster did not reach cluster_state:ok');
    await sleep(100);
  }
  return nodes;
}

/** A unique key prefix per test, so that tests sharing a server never see each other's keys. */
let prefixCounter = 0;
export function uniquePrefix(): string {
  prefixCounter += 1;
  return `t${process.pid}-${prefixCounter}:`;
}

/** A consumer child process (test/fixtures/redis/consumer.js) and what it printed. */
export interface ConsumerProcess {
  readonly child: ChildProcess;
  /** Payloads it printed as processed, in order. */
  readonly processed: string[];
  /** Resolves once it has registered its listener and started processing. */
  readonly ready: Promise<void>;
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /** Its stderr so far. */
  stderr(): string;
}

const consumers = new Set<ChildProcess>();
afterAll(() => {
  for (const child of consumers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  consumers.clear();
});

/** Starts a competing consumer of `channelId`/`listenerId` in a child process (killed after this file's tests). */
export function startConsumer(options: {
  url: string;
  prefix: string;
  channelId: string;
  listenerId: string;
  visibilityTimeoutMs: number;
  consumerName: string;
  /** Milliseconds each message takes (4 at a time). */
  delayMs?: number;
}): ConsumerProcess {
  const script = new URL('./fixtures/redis/consumer.js', import.meta.url);
  const { url, prefix, channelId, listenerId, visibilityTimeoutMs, consumerName, delayMs = 0 } = options;
  const args = [script.pathname, url, prefix, channelId, listenerId, String(visibilityTimeoutMs), consumerName, String(delayMs)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  consumers.add(child);
  const processed: string[] = [];
  let err = '';
  let partial = '';
  let markReady: () => void = () => undefined;
  let failReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') markReady();
      else processed.push(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      failReady(new Error(`consumer ${consumerName} exited (${code ?? signal}) before it was ready: ${err}`));
      resolve();
    }),
  );
  return { child, processed, ready, exited, stderr: () => err };
}

/** Waits (without a time assertion: the test timeout bounds it) until `condition` holds. */
export async function until(condition: () => boolean, what: string, boundMs = 60_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}
