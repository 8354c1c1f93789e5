// A service whose channels are in Redis (RedisChannelRegistry) finds its channels, listeners
// and undelivered messages again after a restart.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { RedisChannelRegistry } from 'eric-sse';
import { openStream, startService } from './http-helpers.js';
import { redisAvailable, startRedis, uniquePrefix, type RedisServer } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('an HTTP service on Redis, restarted', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });

  it('keeps its channels, listeners and undelivered messages; what was delivered is not sent again', async () => {
    const prefix = uniquePrefix();
    const open = async () =>
      startService({ channels: await RedisChannelRegistry.connect({ url: server.url, prefix, visibilityTimeoutMs: 2000 }) });
    const before = await open();
    const c = await before.createChannel();
    await before.createChannel('named');
    const [l1, l2] = [await before.subscribe(c), await before.subscribe(c)];
    const stream = await openStream(`${before.base}/stream/${c}/${l1}`);
    await before.dispatch(c, l1, 'seen', 1);
    await stream.until(1);
    stream.abort();
    // Once the service has seen the client leave, its wait for l1's next message has ended.
    const listener = before.app.eric.channels.get(c).getListener(l1);
    while (listener.isRunningSync()) await sleep(5);
    await before.dispatch(c, l1, 'queued', 2);
    await before.broadcast(c, 'everyone', 3);
    // A stream open (and idle) during the shutdown gets the closed message.
    const open2 = await openStream(`${before.base}/stream/named/${await before.subscribe('named')}`);
    const listing = await before.call('GET', '/');
    await before.app.close();
    await open2.done;
    expect(open2.events().map((e) => e.event)).toEqual(['_eric_channel_closed']);

    const after = await open();
    expect(await after.call('GET', '/channels')).toEqual([c, 'named']);
    expect(await after.call('GET', '/')).toEqual(listing);
    const s1 = await openStream(`${after.base}/stream/${c}/${l1}`);
    const s2 = await openStream(`${after.base}/stream/${c}/${l2}`);
    await s1.until(2);
    await s2.until(1);
    expect(s1.events().map((e) => [e.event, e.data])).toEqual([
      ['queued', '2'],
      ['everyone', '3'],
    ]);
    expect(s2.events().map((e) => [e.event, e.data])).toEqual([['everyone', '3']]);
    // Still served as before the restart.
    await after.dispatch(c, l2, 'later', 4);
    await s2.until(2);
    expect(s2.events()[1]).toMatchObject({ event: 'later', data: '4' });
    s1.abort();
    s2.abort();
  });
});
