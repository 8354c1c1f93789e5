// The shared queue and channel behaviour suite, against the Redis backend.
import { beforeAll, describe } from 'vitest';
import { RedisQueueFactory } from 'eric-sse';
import { queueBehaviourSuite } from './queue-suite.js';
import { redisAvailable, startRedis, uniquePrefix, type RedisServer } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('Redis backend', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });

  queueBehaviourSuite('redis', () => new RedisQueueFactory({ url: server.url, prefix: uniquePrefix() }));
});
