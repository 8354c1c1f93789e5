// examples/redis-workers runs by itself: a producer and 3 consumer processes share a queue.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, startRedis, type RedisServer } from './redis-helpers.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../examples/redis-workers/main.js', import.meta.url));

describe.skipIf(!redisAvailable)('examples/redis-workers', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });

  it('every job is processed by exactly one of the consumer processes', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, [main, '30', '3'], { env: { ...process.env, REDIS_URL: server.url }, timeout: 50_000 });
    const processed = stdout.split('\n').filter((line) => / job \d+ -> /.test(line));
    expect(processed).toHaveLength(30);
    expect(new Set(processed.map((line) => line.split(' job ')[1])).size).toBe(30);
    expect(stdout).toContain('producer: dispatched 30 job(s) and 3 closed message(s)');
    expect(stdout).toMatch(/main: 30 of 30 jobs processed, by consumer-1: \d+, consumer-2: \d+, consumer-3: \d+/);
  });
});
