// Channels with an explicit id, and a queue factory that provides a shared ListenerRegistry
// (what the Redis backend does): registration, broadcast and removal go through it.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  DataProcessingChannel,
  InMemoryMessageQueueFactory,
  InMemoryQueue,
  Message,
  MessageQueueListener,
  RepositoryError,
  SSEChannel,
  type ListenerRegistry,
  type MessageContract,
  type Queue,
  type QueueOwner,
} from 'eric-sse';

/** An in-process stand-in for a shared registry: queues by channel and listener id, one log of calls. */
class SharedFactory extends InMemoryMessageQueueFactory {
  readonly queues = new Map<string, InMemoryQueue>();
  readonly calls: string[] = [];
  failRegister: Error | undefined;
  override readonly registry: ListenerRegistry = {
    register: async ({ channelId, listenerId }) => {
      this.calls.push(`register ${channelId}/${listenerId}`);
      if (this.failRegister) throw this.failRegister;
    },
    unregister: async ({ channelId, listenerId }) => {
      this.calls.push(`unregister ${channelId}/${listenerId}`);
    },
    broadcast: async (channelId: string, msg: MessageContract) => {
      this.calls.push(`broadcast ${channelId} ${msg.type}`);
      for (const [key, queue] of this.queues) if (key.startsWith(`${channelId}/`)) await queue.push(msg);
    },
  };

  override create(owner: QueueOwner): Queue {
    const key = `${owner.channelId}/${owner.listenerId}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new InMemoryQueue();
      this.queues.set(key, queue);
    }
    return queue;
  }
}

describe('channel id option', () => {
  it('is used as given, by every channel kind', async () => {
    expect(new SSEChannel({ id: 'orders' }).id).toBe('orders');
    const processing = new DataProcessingChannel({ id: 'jobs', maxWorkers: 1 });
    expect(processing.id).toBe('jobs');
    await processing.close();
  });

  it.each([[''], [42], [null]])('rejects %j with a TypeError naming the value and its type', (id) => {
    expect(() => new SSEChannel({ id: id as string })).toThrow(TypeError);
    expect(() => new SSEChannel({ id: id as string })).toThrow(/Channel id must be a non-empty string, got (.* \((string|number)\)|null)$/);
  });
});

describe('a queue factory with a shared ListenerRegistry', () => {
  it('registerListener returns a Promise that settles once registered; without a registry it returns nothing', async () => {
    const factory = new SharedFactory();
    const channel = new SSEChannel({ id: 'c', queuesFactory: factory });
    const listener = new MessageQueueListener({ id: 'l' });
    const registered = channel.registerListener(listener);
    expect(registered).toBeInstanceOf(Promise);
    await registered;
    expect(factory.calls).toEqual(['register c/l']);
    expect(new SSEChannel().registerListener(new MessageQueueListener())).toBeUndefined();
  });

  it('a failed registration rejects for whoever awaits it, and is never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const factory = new SharedFactory();
      factory.failRegister = new RepositoryError('redis down');
      const channel = new SSEChannel({ id: 'c', queuesFactory: factory });
      await expect(channel.registerListener(new MessageQueueListener())).rejects.toThrow('redis down');
      channel.addListener(); // the seed's way: not awaited
      await nextTurn();
      await nextTurn();
      expect(unhandled).toEqual([]);
      expect(channel.getListenerIds()).toHaveLength(2); // registered here all the same
      // Registering the same listener again retries the shared registration.
      const listener = channel.getListener(channel.getListenerIds()[0]!);
      factory.failRegister = undefined;
      await channel.registerListener(listener);
      expect(factory.calls.at(-1)).toBe(`register c/${listener.id}`);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('broadcast goes through the registry and reaches listeners another channel object registered', async () => {
    const factory = new SharedFactory();
    const here = new SSEChannel({ id: 'c', queuesFactory: factory });
    const elsewhere = new SSEChannel({ id: 'c', queuesFactory: factory }); // another process, say
    const local = new MessageQueueListener({ id: 'local' });
    const remote = new MessageQueueListener({ id: 'remote' });
    await here.registerListener(local);
    await elsewhere.registerListener(remote);
    local.startSync();
    remote.startSync();
    await here.broadcast(new Message('news'));
    expect(factory.calls.at(-1)).toBe('broadcast c news');
    expect((await here.deliverNext('local')).type).toBe('news');
    expect((await elsewhere.deliverNext('remote')).type).toBe('news');
  });

  it('removeListener unregisters before deleting the queue', async () => {
    const factory = new SharedFactory();
    const channel = new SSEChannel({ id: 'c', queuesFactory: factory });
    await channel.registerListener(new MessageQueueListener({ id: 'l' }));
    await channel.dispatch('l', new Message('left'));
    await channel.removeListener('l');
    expect(factory.calls).toEqual(['register c/l', 'unregister c/l']);
    expect(await factory.queues.get('c/l')!.size()).toBe(0);
  });
});
