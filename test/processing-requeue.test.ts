import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  DataProcessingChannel,
  InMemoryQueue,
  Message,
  NoMessagesException,
  WorkerListener,
  type MessageContract,
  type Queue,
} from 'eric-sse';
import { fixture } from './processing-helpers.js';

/** A backend with only the required pop/push/delete: no popMany, no popOrWait, no requeue. */
class MinimalQueue implements Queue {
  readonly #items: MessageContract[] = [];

  async pop(): Promise<MessageContract> {
    const msg = this.#items.shift();
    if (msg === undefined) throw new NoMessagesException('empty');
    return msg;
  }

  async push(msg: MessageContract): Promise<void> {
    this.#items.push(msg);
  }

  async delete(): Promise<void> {
    this.#items.length = 0;
  }
}

class MinimalFactory extends AbstractMessageQueueFactory {
  create(): Queue {
    return new MinimalQueue();
  }
}

describe('messages taken but not yielded go back to the head of the queue', () => {
  it('InMemoryQueue.requeue puts messages first, in the given order', async () => {
    const queue = new InMemoryQueue();
    await queue.push(new Message('c'));
    await queue.requeue([new Message('a'), new Message('b')]);
    expect(await queue.size()).toBe(3);
    expect((await queue.popMany(2)).map((m) => m.type)).toEqual(['a', 'b']);
    expect((await queue.pop()).type).toBe('c');
  });

  it('InMemoryQueue.requeue wakes a waiting popOrWait', async () => {
    const queue = new InMemoryQueue();
    const waiting = queue.popOrWait(new AbortController().signal);
    await queue.requeue([new Message('back')]);
    expect((await waiting).type).toBe('back');
  });

  it('a backend without requeue keeps them in the channel: the next pop of any kind gets them first', async () => {
    const channel = new DataProcessingChannel({ maxWorkers: 2, queuesFactory: new MinimalFactory() });
    const listener = new WorkerListener(fixture('echo-handler.js'));
    channel.registerListener(listener);
    for (let i = 0; i < 2000; i += 1) await channel.dispatch(listener.id, new Message('n', i));
    const first: number[] = [];
    for await (const event of channel.processQueue(listener, { ordered: true })) {
      first.push(event.data as number);
      if (first.length === 100) break;
    }
    await listener.start();
    expect((await channel.deliverNext(listener.id)).payload).toBe(100);
    const rest: number[] = [];
    for await (const event of channel.processQueue(listener, { ordered: true, until: 'empty' })) rest.push(event.data as number);
    expect(rest).toEqual(Array.from({ length: 1899 }, (_, i) => 101 + i));
    await channel.close();
  });
});
