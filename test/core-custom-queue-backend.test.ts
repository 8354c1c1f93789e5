import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  InvalidListenerException,
  Message,
  MessageQueueListener,
  NoMessagesException,
  RepositoryError,
  SSEChannel,
  type MessageContract,
  type Queue,
} from 'eric-sse';

/** A backend with only the three contract methods (no popOrWait/popMany/size), counting pops. */
class MinimalQueue implements Queue {
  readonly messages: MessageContract[] = [];
  pops = 0;
  async pop(): Promise<MessageContract> {
    this.pops += 1;
    const msg = this.messages.shift();
    if (!msg) throw new NoMessagesException('empty');
    return msg;
  }
  async push(msg: MessageContract): Promise<void> {
    this.messages.push(msg);
  }
  async delete(): Promise<void> {
    this.messages.length = 0;
  }
}

/** A backend whose storage is down: every operation fails and is wrapped as the contract says. */
class FailingQueue implements Queue {
  readonly cause = new Error('connection refused');
  async pop(): Promise<MessageContract> {
    throw new RepositoryError('pop failed', { cause: this.cause });
  }
  async push(): Promise<void> {
    throw new RepositoryError('push failed', { cause: this.cause });
  }
  async delete(): Promise<void> {
    throw new RepositoryError('delete failed', { cause: this.cause });
  }
}

class Factory<Q extends Queue> extends AbstractMessageQueueFactory {
  readonly created: Q[] = [];
  constructor(private readonly make: (listenerId: string) => Q) {
    super();
  }
  create(owner: { listenerId: string }): Q {
    const queue = this.make(owner.listenerId);
    this.created.push(queue);
    return queue;
  }
}

describe('a custom Queue backend with only pop/push/delete', () => {
  it('serves dispatch, deliverNext and removeListener', async () => {
    const factory = new Factory(() => new MinimalQueue());
    const channel = new SSEChannel({ queuesFactory: factory });
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('a'));
    expect((await channel.deliverNext(listener.id)).type).toBe('a');
    await channel.dispatch(listener.id, new Message('b'));
    await channel.removeListener(listener.id);
    expect(factory.created[0]!.messages).toEqual([]);
  });

  it('wakes a waiting stream on dispatch, without polling the backend meanwhile', async () => {
    const factory = new Factory(() => new MinimalQueue());
    const channel = new SSEChannel({ queuesFactory: factory });
    const listener = channel.addListener();
    listener.startSync();
    const queue = factory.created[0]!;
    const stream = channel.messageStream(listener);
    const next = stream.next();
    await sleep(200); // a polling stream would pop again and again meanwhile
    expect(queue.pops).toBe(1);
    await channel.dispatch(listener.id, new Message('wake', 1));
    expect((await next).value).toEqual({ event: 'wake', retry: 5, data: 1 });
    expect(queue.pops).toBe(2);
    const after = stream.next();
    await sleep(200);
    expect(queue.pops).toBe(3);
    await channel.broadcast(new Message('wake-again'));
    expect((await after).value).toMatchObject({ event: 'wake-again' });
    listener.stopSync();
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('ends a waiting stream on stop, and errors it on removal', async () => {
    const channel = new SSEChannel({ queuesFactory: new Factory(() => new MinimalQueue()) });
    const stopped = channel.addListener();
    const removed = channel.addListener();
    stopped.startSync();
    removed.startSync();
    const stoppedNext = channel.messageStream(stopped).next();
    const removedNext = channel.messageStream(removed).next();
    await sleep(10);
    stopped.stopSync();
    await channel.removeListener(removed.id);
    expect(await stoppedNext).toEqual({ done: true, value: undefined });
    expect((await removedNext).value).toMatchObject({ event: 'error' });
  });
});

describe('a failing backend', () => {
  it('rejects dispatch with the RepositoryError, its cause kept', async () => {
    const channel = new SSEChannel({ queuesFactory: new Factory(() => new FailingQueue()) });
    const listener = channel.addListener();
    const failure = await channel.dispatch(listener.id, new Message('x')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RepositoryError);
    expect((failure as RepositoryError).cause).toEqual(new Error('connection refused'));
  });

  it('rejects deliverNext with the RepositoryError', async () => {
    const channel = new SSEChannel({ queuesFactory: new Factory(() => new FailingQueue()) });
    const listener = channel.addListener();
    listener.startSync();
    await expect(channel.deliverNext(listener.id)).rejects.toThrow(RepositoryError);
  });

  it('rejects the stream with the RepositoryError instead of yielding or spinning', async () => {
    const channel = new SSEChannel({ queuesFactory: new Factory(() => new FailingQueue()) });
    const listener = channel.addListener();
    listener.startSync();
    await expect(channel.messageStream(listener).next()).rejects.toThrow('pop failed');
  });

  it('rejects removeListener with the RepositoryError, the listener still unregistered', async () => {
    const channel = new SSEChannel({ queuesFactory: new Factory(() => new FailingQueue()) });
    const listener = channel.addListener();
    await expect(channel.removeListener(listener.id)).rejects.toThrow('delete failed');
    expect(() => channel.getListener(listener.id)).toThrow(InvalidListenerException);
  });

  it('rejects a stream on a backend with popOrWait that fails', async () => {
    class FailingWait extends FailingQueue {
      async popOrWait(): Promise<MessageContract> {
        throw new RepositoryError('wait failed');
      }
    }
    const channel = new SSEChannel({ queuesFactory: new Factory(() => new FailingWait()) });
    const listener = channel.addListener();
    listener.startSync();
    await expect(channel.messageStream(listener).next()).rejects.toThrow('wait failed');
  });
});

describe('broadcast with some failing queues', () => {
  it('delivers to the healthy queues and rejects with the single failure', async () => {
    const factory = new Factory((id) => (id === 'broken' ? new FailingQueue() : new MinimalQueue()));
    const channel = new SSEChannel({ queuesFactory: factory });
    const healthy = channel.addListener();
    channel.registerListener(new MessageQueueListener({ id: 'broken' }));
    const other = channel.addListener();
    await expect(channel.broadcast(new Message('news'))).rejects.toThrow(RepositoryError);
    healthy.startSync();
    other.startSync();
    expect((await channel.deliverNext(healthy.id)).type).toBe('news');
    expect((await channel.deliverNext(other.id)).type).toBe('news');
  });

  it('rejects with an AggregateError listing every failure when several fail', async () => {
    let n = 0;
    const channel = new SSEChannel({ queuesFactory: new Factory(() => (n++ % 2 === 0 ? new FailingQueue() : new MinimalQueue())) });
    const listeners = [channel.addListener(), channel.addListener(), channel.addListener()];
    const failure = await channel.broadcast(new Message('news')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).message).toBe('broadcast failed for 2 listeners');
    expect((failure as AggregateError).errors).toHaveLength(2);
    for (const error of (failure as AggregateError).errors) expect(error).toBeInstanceOf(RepositoryError);
    listeners[1]!.startSync();
    expect((await channel.deliverNext(listeners[1]!.id)).type).toBe('news');
  });
});
