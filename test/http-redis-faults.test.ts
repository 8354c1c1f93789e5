// An HTTP service on Redis while Redis is down: requests answer 503 naming the failure within
// the operation timeout (never hang), and the service serves again once Redis is back.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RedisChannelRegistry } from 'eric-sse';
import { openStream, startService } from './http-helpers.js';
import { redisAvailable, startRedis, uniquePrefix } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('an HTTP service on Redis, Redis down', () => {
  it('answers 503 with the failure, then serves again when Redis returns (with AOF, nothing lost)', async () => {
    const server = await startRedis({ aof: true });
    await import('redis'); // loaded: the first connection's deadline is then Redis's alone
    const channels = await RedisChannelRegistry.connect({ url: server.url, prefix: uniquePrefix(), operationTimeoutMs: 1000 });
    const service = await startService({ channels });
    const c = await service.createChannel();
    const l = await service.subscribe(c);
    await service.dispatch(c, l, 'before', 0);
    await server.stop();

    for (const [method, path] of [
      ['GET', '/channels'],
      ['PUT', '/create'],
      ['POST', `/subscribe?channel_id=${c}`],
      ['GET', `/stream/${c}/${l}`],
    ] as const) {
      const response = await fetch(service.base + path, { method });
      expect([method, path, response.status]).toEqual([method, path, 503]);
      expect(((await response.json()) as { message: string }).message).toMatch(/^Redis \S+ failed: \S|^Redis did not answer/);
    }

    await server.restart();
    // The client reconnects by itself (with backoff): bounded by the test's timeout.
    let response = await fetch(`${service.base}/`);
    while (response.status === 503) {
      await response.arrayBuffer();
      await sleep(100);
      response = await fetch(`${service.base}/`);
    }
    expect(await response.json()).toEqual({ [c]: [l] });
    await service.dispatch(c, l, 'after', 1);
    const stream = await openStream(`${service.base}/stream/${c}/${l}`);
    await stream.until(2);
    expect(stream.events().map((e) => e.event)).toEqual(['before', 'after']);
    stream.abort();
  });
});
