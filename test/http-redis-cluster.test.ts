// The HTTP service on a 3-master Redis Cluster: the channel set's keys share one hash tag,
// each channel's keys another, so every script runs in one slot; two services share channels.
import { beforeAll, describe, expect, it } from 'vitest';
import { RedisChannelRegistry } from 'eric-sse';
import { openStream, startService } from './http-helpers.js';
import { redisAvailable, startRedisCluster, uniquePrefix, until, type RedisServer } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('HTTP services on a Redis Cluster', () => {
  let nodes: RedisServer[];
  beforeAll(async () => {
    nodes = await startRedisCluster(3);
  }, 60_000);

  it('create, list, subscribe, dispatch, broadcast, stream and delete across two services', { timeout: 60_000 }, async () => {
    const prefix = uniquePrefix();
    const urls = nodes.map((node) => node.url);
    const open = async () => startService({ channels: await RedisChannelRegistry.connect({ nodes: urls, prefix }) });
    const [a, b] = [await open(), await open()];
    // Several channels: their hash tags spread them over the masters.
    const ids = ['north', 'south', 'east', 'west'];
    for (const [i, id] of ids.entries()) await (i % 2 === 0 ? a : b).createChannel(id);
    expect(await b.call('GET', '/channels')).toEqual(ids);
    const listeners = await Promise.all(ids.map((id) => a.subscribe(id)));
    expect(await b.call('GET', '/')).toEqual(Object.fromEntries(ids.map((id, i) => [id, [listeners[i]]])));
    for (const [i, id] of ids.entries()) {
      await b.dispatch(id, listeners[i]!, 'one', i);
      await a.broadcast(id, 'all', i);
      const stream = await openStream(`${b.base}/stream/${id}/${listeners[i]}`);
      await stream.until(2);
      expect(stream.events().map((e) => [e.event, e.data])).toEqual([
        ['one', String(i)],
        ['all', String(i)],
      ]);
      stream.abort();
    }
    // Each departed client's stream ended: its wait on Redis was cut short, even one whose
    // connection was still finding the cluster's topology (well within the 30 s BLOCK).
    await until(() => a.app.eric.streams.size + b.app.eric.streams.size === 0, 'the streams of departed clients to end', 10_000);
    await b.call('DELETE', `/channel/south`);
    await a.call('DELETE', `/listener/east/${listeners[2]}`);
    expect(await a.call('GET', '/')).toEqual({ north: [listeners[0]], east: [], west: [listeners[3]] });
  });
});
