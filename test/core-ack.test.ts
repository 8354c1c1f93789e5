import { describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, RepositoryError, SSEChannel } from 'eric-sse';
import { AckingFactory } from './ack-helpers.js';

function setup(listener = new MessageQueueListener()) {
  const factory = new AckingFactory();
  const channel = new SSEChannel({ queuesFactory: factory });
  channel.registerListener(listener);
  listener.startSync();
  return { channel, listener, queue: factory.last! };
}

describe('acknowledging delivered messages (Queue.ack)', () => {
  it('deliverNext acknowledges after onMessage', async () => {
    const seen: string[] = [];
    class Recorder extends MessageQueueListener {
      override onMessage(msg: { type: string }): void {
        seen.push(`${msg.type} acked=${queue.acked.length}`);
      }
    }
    const { channel, listener, queue } = setup(new Recorder());
    await channel.dispatch(listener.id, new Message('a'));
    const msg = await channel.deliverNext(listener.id);
    expect(seen).toEqual(['a acked=0']);
    expect(queue.acked).toEqual([msg]);
    expect(queue.inFlight.size).toBe(0);
  });

  it('deliverNext acknowledges even when onMessage throws (the caller got the error)', async () => {
    class Failing extends MessageQueueListener {
      override onMessage(): void {
        throw new Error('broke');
      }
    }
    const { channel, listener, queue } = setup(new Failing());
    await channel.dispatch(listener.id, new Message('a'));
    await expect(channel.deliverNext(listener.id)).rejects.toThrow('broke');
    expect(queue.acked.map((m) => m.type)).toEqual(['a']);
  });

  it('messageStream acknowledges a message once the consumer moves past it, and the last one on break', async () => {
    const { channel, listener, queue } = setup();
    for (const type of ['a', 'b', 'c']) await channel.dispatch(listener.id, new Message(type));
    const stream = channel.messageStream(listener);
    expect((await stream.next()).value).toMatchObject({ event: 'a' });
    expect(queue.acked).toEqual([]); // yielded, the consumer has not moved on yet
    expect((await stream.next()).value).toMatchObject({ event: 'b' });
    expect(queue.acked.map((m) => m.type)).toEqual(['a']);
    await stream.return();
    expect(queue.acked.map((m) => m.type)).toEqual(['a', 'b']);
    expect(queue.inFlight.size).toBe(0);
    expect(await queue.size()).toBe(1); // 'c' was never popped
  });

  it('a failing ack rejects the stream', async () => {
    const { channel, listener, queue } = setup();
    await channel.dispatch(listener.id, new Message('a'));
    await channel.dispatch(listener.id, new Message('b'));
    const stream = channel.messageStream(listener);
    await stream.next();
    queue.failWith = new RepositoryError('ack lost');
    await expect(stream.next()).rejects.toThrow('ack lost');
  });
});
