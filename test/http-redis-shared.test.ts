// Two HTTP services on one Redis (RedisChannelRegistry) serve the same channels: what one
// creates, the other lists, subscribes to, dispatches and broadcasts to and streams from;
// what one deletes, the other stops serving.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_EVENTS_LOST, RedisChannelRegistry } from 'eric-sse';
import { openStream, startService } from './http-helpers.js';
import { redisAvailable, startRedis, uniquePrefix, until, type RedisServer } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('HTTP services sharing channels through Redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });

  /** Two services on the same Redis and prefix (each closes its registry when it closes). */
  async function twoServices() {
    const prefix = uniquePrefix();
    const open = async () =>
      startService({ channels: await RedisChannelRegistry.connect({ url: server.url, prefix, visibilityTimeoutMs: 2000 }) });
    return [await open(), await open()] as const;
  }

  async function status(url: string, method = 'GET', body?: unknown): Promise<number> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const response = await fetch(url, init);
    await response.arrayBuffer();
    return response.status;
  }

  it('lists, subscribes, dispatches, broadcasts and streams across the two, in creation order', async () => {
    const [a, b] = await twoServices();
    const first = await a.createChannel();
    const second = await b.createChannel('second');
    const third = await a.createChannel('third');
    for (const service of [a, b]) expect(await service.call('GET', '/channels')).toEqual([first, second, third]);
    // The id is taken in the other process too.
    expect(await status(`${b.base}/create?channel_id=third`, 'PUT')).toBe(409);

    const viaA = await a.subscribe(second); // a channel created through B
    const viaB = await b.subscribe(second);
    for (const service of [a, b]) expect(await service.call('GET', '/')).toEqual({ [first]: [], [second]: [viaA, viaB], [third]: [] });

    // B streams the listener registered through A; A dispatches and broadcasts to it.
    const stream = await openStream(`${b.base}/stream/${second}/${viaA}`);
    await a.dispatch(second, viaA, 'one', { n: 1 });
    await b.dispatch(second, viaA, 'two', { n: 2 });
    await b.broadcast(second, 'all', 'hello');
    await stream.until(3);
    expect(stream.events().map((e) => [e.event, e.data])).toEqual([
      ['one', '{"n":1}'],
      ['two', '{"n":2}'],
      ['all', '"hello"'],
    ]);
    // A streams the listener registered through B: the broadcast reached it as well.
    const other = await openStream(`${a.base}/stream/${second}/${viaB}`);
    await other.until(1);
    expect(other.events().map((e) => [e.event, e.data])).toEqual([['all', '"hello"']]);
    stream.abort();
    other.abort();

    // A client that resumes on the other process: told that its history is not there, then
    // given everything still queued.
    const onA = a.app.eric.channels.get(second).getListener(viaB);
    while (onA.isRunningSync()) await sleep(5);
    await a.dispatch(second, viaB, 'missed', 1);
    const resumed = await openStream(`${b.base}/stream/${second}/${viaB}`, { 'last-event-id': other.events()[0]!.id });
    await resumed.until(2);
    expect(resumed.events().map((e) => e.event)).toEqual([MESSAGE_TYPE_EVENTS_LOST, 'missed']);
    expect(JSON.parse(resumed.events()[0]!.data)).toMatchObject({ reason: 'restarted' });
    resumed.abort();
  });

  it('a deletion through one is seen by the other: 404s, and its open stream of the listener ends', async () => {
    const [a, b] = await twoServices();
    const c = await a.createChannel();
    const [l1, l2] = [await a.subscribe(c), await a.subscribe(c)];
    const s1 = await openStream(`${b.base}/stream/${c}/${l1}`);
    await a.dispatch(c, l1, 'n', 1);
    await s1.until(1);

    await a.call('DELETE', `/listener/${c}/${l1}`);
    await s1.done; // B's stream of it ends…
    await until(() => b.app.eric.streams.historiesKept === 0, "B to drop the removed listener's history", 10_000); // …and its history goes
    expect(s1.events()[0]).toMatchObject({ event: 'n', data: '1' });
    expect(await status(`${b.base}/dispatch?channel_id=${c}&listener_id=${l1}`, 'POST', { type: 'n' })).toBe(404);
    expect(await status(`${b.base}/stream/${c}/${l1}`)).toBe(404);
    expect(await status(`${b.base}/listener/${c}/${l1}`, 'DELETE')).toBe(404);
    expect(await b.call('GET', '/')).toEqual({ [c]: [l2] });

    const s2 = await openStream(`${a.base}/stream/${c}/${l2}`);
    await b.call('DELETE', `/channel/${c}`);
    await s2.done;
    for (const service of [a, b]) {
      expect(await service.call('GET', '/channels')).toEqual([]);
      expect(await service.call('GET', '/')).toEqual({});
      expect(await status(`${service.base}/subscribe?channel_id=${c}`, 'POST')).toBe(404);
      expect(await status(`${service.base}/broadcast?channel_id=${c}`, 'POST', { type: 'n' })).toBe(404);
      expect(await status(`${service.base}/stream/${c}/${l2}`)).toBe(404);
      expect(await status(`${service.base}/channel/${c}`, 'DELETE')).toBe(404);
    }
    // Nothing is left in Redis of the channel but the listeners' tombstones.
    const keys = server.cli('--scan', '--pattern', `*{${c}}*`).split('\n').filter(Boolean);
    expect(keys.every((key) => key.includes(':removed:'))).toBe(true);

    // The id can be taken again, through either; the new channel starts empty.
    await b.createChannel(c);
    expect(await a.call('GET', '/')).toEqual({ [c]: [] });
  });
});
