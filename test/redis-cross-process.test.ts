// Processes that share a channel id through Redis: a broadcast in one reaches listeners
// registered in another, and removing a listener removes its Redis keys for every process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, RedisQueueFactory, SSEChannel } from 'eric-sse';
import { redisAvailable, startRedis, uniquePrefix, until, type RedisServer } from './redis-helpers.js';

/** Starts test/fixtures/redis/streamer.js; collects its lines. */
function startStreamer(url: string, prefix: string, channelId: string, listenerId: string) {
  const script = new URL('./fixtures/redis/streamer.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, url, prefix, channelId, listenerId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, lines, exited };
}

describe.skipIf(!redisAvailable)('Redis: channels shared across processes', () => {
  let server: RedisServer;
  const factories: RedisQueueFactory[] = [];
  const children: { child: { kill(): boolean } }[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const { child } of children.splice(0)) child.kill();
    await Promise.all(factories.splice(0).map((factory) => factory.close()));
  });

  function channelOn(prefix: string, channelId: string): SSEChannel {
    const factory = new RedisQueueFactory({ url: server.url, prefix, visibilityTimeoutMs: 1000 });
    factories.push(factory);
    return new SSEChannel({ id: channelId, queuesFactory: factory });
  }

  it('broadcast from either process reaches the listeners registered in the other', async () => {
    const prefix = uniquePrefix();
    const channelId = randomUUID();
    const channel = channelOn(prefix, channelId);
    const here = new MessageQueueListener();
    await channel.registerListener(here);
    here.startSync();

    const remoteId = randomUUID();
    const remote = startStreamer(server.url, prefix, channelId, remoteId);
    children.push(remote);
    await until(() => remote.lines.includes('ready'), 'the other process to register');

    // Its broadcast reached the listener registered here…
    expect((await channel.deliverNext(here.id)).type).toBe('child-here');
    // …and a broadcast from here reaches its listener, which this process never registered.
    expect(channel.getListenerIds()).toEqual([here.id]);
    expect(await factories[0]!.listenerIds(channelId)).toEqual([here.id, remoteId]); // registration order
    await channel.broadcast(new Message('hello', { from: 'parent' }));
    await until(() => remote.lines.some((line) => line.includes('"hello"')), 'the other process to get the broadcast');
    expect(JSON.parse(remote.lines.find((line) => line.includes('"hello"'))!)).toMatchObject({ event: 'hello', data: { from: 'parent' } });
    expect((await channel.deliverNext(here.id)).type).toBe('hello');
  });

  it('removeListener in one process deletes the Redis keys and ends the stream in the other', async () => {
    const prefix = uniquePrefix();
    const channelId = randomUUID();
    const listenerId = randomUUID();
    const remote = startStreamer(server.url, prefix, channelId, listenerId);
    children.push(remote);
    await until(() => remote.lines.includes('ready'), 'the other process to register');

    const stream = `${prefix}{${channelId}}:queue:${listenerId}`;
    const registry = `${prefix}{${channelId}}:listeners`;
    expect(server.cli('EXISTS', stream)).toBe('1');
    expect(server.cli('ZSCORE', registry, listenerId)).not.toBe('');

    const channel = channelOn(prefix, channelId);
    await channel.registerListener(new MessageQueueListener({ id: listenerId }));
    await channel.removeListener(listenerId);
    await remote.exited;
    expect(remote.lines.at(-1)).toBe('end');
    expect(JSON.parse(remote.lines.at(-2)!)).toMatchObject({ event: 'error', data: expect.stringMatching(/InvalidListenerException/) });
    expect(server.cli('EXISTS', stream)).toBe('0');
    expect(server.cli('ZSCORE', registry, listenerId)).toBe('');

    // A later broadcast does not bring the removed listener's queue back.
    await channel.broadcast(new Message('after'));
    expect(server.cli('EXISTS', stream)).toBe('0');
  });
});
