import { describe, expect, it } from 'vitest';
import {
  Message,
  MESSAGE_TYPE_CLOSED,
  MESSAGE_TYPE_INTERNAL_ERROR,
  MessageQueueListener,
  NoMessagesException,
  SSEChannel,
  type MessageContract,
  type SSEEvent,
} from 'eric-sse';

async function collect(stream: AsyncIterable<SSEEvent>): Promise<SSEEvent[]> {
  const events: SSEEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('messageStream', () => {
  it('yields the adapted messages in dispatch order', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await listener.start();
    for (const n of [1, 2, 3]) await channel.dispatch(listener.id, new Message('n', n));
    await channel.notifyEnd();
    const events = await collect(channel.messageStream(listener));
    expect(events.map((e) => e.data)).toEqual([1, 2, 3, undefined]);
  });

  it('yields nothing for a listener that is not running', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await channel.dispatch(listener.id, new Message('queued'));
    expect(await collect(channel.messageStream(listener))).toEqual([]);
    listener.startSync();
    expect((await channel.deliverNext(listener.id)).type).toBe('queued');
  });

  it('yields a MESSAGE_TYPE_CLOSED message and then ends, leaving later messages queued', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('before'));
    await channel.notifyEnd();
    await channel.dispatch(listener.id, new Message('after'));
    const events = await collect(channel.messageStream(listener));
    expect(events.map((e) => e.event)).toEqual(['before', MESSAGE_TYPE_CLOSED]);
    expect((await channel.deliverNext(listener.id)).type).toBe('after');
  });

  it('stops when the listener stops inside the loop and leaves the next message queued', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await listener.start();
    for (const type of ['first', 'second', 'third']) await channel.dispatch(listener.id, new Message(type));
    const seen: string[] = [];
    for await (const event of channel.messageStream(listener)) {
      seen.push(event.event);
      if (event.event === 'first') await listener.stop();
    }
    expect(seen).toEqual(['first']);
    // Not running: nothing is delivered.
    await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
  });

  it('resumes on restart with the message left queued (the seed scenario)', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await listener.start();
    for (const type of ['first', 'second', 'third']) await channel.dispatch(listener.id, new Message(type));
    for await (const event of channel.messageStream(listener)) {
      if (event.event === 'first') listener.stopSync();
    }
    await listener.start();
    const resumed: string[] = [];
    for await (const event of channel.messageStream(listener)) {
      resumed.push(event.event);
      if (resumed.length === 2) listener.stopSync();
    }
    expect(resumed).toEqual(['second', 'third']);
  });

  it('waits on an empty queue and yields a message dispatched later', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const stream = channel.messageStream(listener);
    const next = stream.next();
    await new Promise((resolve) => setImmediate(resolve));
    await channel.dispatch(listener.id, new Message('late', 'x'));
    expect(await next).toEqual({ done: false, value: { event: 'late', retry: 5, data: 'x' } });
    await stream.return();
  });

  it('ends a waiting stream when the listener stops, without an event', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const stream = channel.messageStream(listener);
    const next = stream.next();
    await listener.stop();
    expect(await next).toEqual({ done: true, value: undefined });
  });

  it('keeps waiting across a stop and restart that happen while it waits', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const stream = channel.messageStream(listener);
    const next = stream.next();
    // Stopped and restarted in the same tick: the stream sees a running listener and waits on.
    listener.stopSync();
    listener.startSync();
    await new Promise((resolve) => setImmediate(resolve));
    await channel.dispatch(listener.id, new Message('still-here'));
    expect((await next).value).toMatchObject({ event: 'still-here' });
    // And the new run's stop ends it.
    const after = stream.next();
    listener.stopSync();
    expect(await after).toEqual({ done: true, value: undefined });
  });

  it('yields one error event and ends for a listener that is not registered', async () => {
    const channel = new SSEChannel();
    const stranger = new MessageQueueListener({ id: 'stranger' });
    stranger.startSync();
    const events = await collect(channel.messageStream(stranger));
    expect(events).toEqual([{ event: 'error', retry: 5, data: 'InvalidListenerException: No listener with id stranger' }]);
  });

  it('yields one error event and ends when the listener is removed while the stream waits', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const events = collect(channel.messageStream(listener));
    await new Promise((resolve) => setImmediate(resolve));
    await channel.removeListener(listener.id);
    const [only, ...rest] = await events;
    expect(rest).toEqual([]);
    expect(only?.event).toBe('error');
    expect(String(only?.data)).toMatch(/^InvalidListenerException: Listener .* was removed$/);
  });

  it('yields an error event when the listener is removed between two deliveries', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('one'));
    await channel.dispatch(listener.id, new Message('two'));
    const seen: string[] = [];
    for await (const event of channel.messageStream(listener)) {
      seen.push(event.event);
      if (event.event === 'one') await channel.removeListener(listener.id);
    }
    expect(seen).toEqual(['one', 'error']);
  });

  it('turns a throwing onMessage into a MESSAGE_TYPE_INTERNAL_ERROR event and goes on', async () => {
    class Picky extends MessageQueueListener {
      override onMessage(msg: MessageContract): void {
        if (msg.type === 'bad') throw new RangeError('cannot handle bad');
      }
    }
    const channel = new SSEChannel();
    const listener = new Picky();
    channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('good', 1));
    await channel.dispatch(listener.id, new Message('bad', 2));
    await channel.dispatch(listener.id, new Message('good', 3));
    await channel.notifyEnd();
    const events = await collect(channel.messageStream(listener));
    expect(events.map((e) => e.event)).toEqual(['good', MESSAGE_TYPE_INTERNAL_ERROR, 'good', MESSAGE_TYPE_CLOSED]);
    expect(events[1]?.data).toEqual({ name: 'RangeError', message: 'cannot handle bad', type: 'bad', payload: 2 });
  });

  it('reports a rejecting async onMessage the same way, with a non-Error reason', async () => {
    class Rejecting extends MessageQueueListener {
      override async onMessage(): Promise<void> {
        throw 'plain string'; // eslint-disable-line @typescript-eslint/only-throw-error
      }
    }
    const channel = new SSEChannel();
    const listener = new Rejecting();
    channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('any', 'p'));
    const stream = channel.messageStream(listener);
    const { value } = await stream.next();
    expect(value).toMatchObject({ event: MESSAGE_TYPE_INTERNAL_ERROR, data: { name: 'Error', message: 'plain string', type: 'any', payload: 'p' } });
    await stream.return();
  });

  it('awaits an async onMessage before yielding the message', async () => {
    const order: string[] = [];
    class Slow extends MessageQueueListener {
      override async onMessage(msg: MessageContract): Promise<void> {
        order.push(`start ${msg.type}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`done ${msg.type}`);
      }
    }
    const channel = new SSEChannel();
    const listener = new Slow();
    channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('a'));
    await channel.dispatch(listener.id, new Message('b'));
    await channel.notifyEnd();
    for await (const event of channel.messageStream(listener)) order.push(`yield ${event.event}`);
    expect(order.slice(0, 6)).toEqual(['start a', 'done a', 'yield a', 'start b', 'done b', 'yield b']);
  });

  it('gives a message to only one of two streams of the same listener', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const one = channel.messageStream(listener);
    const two = channel.messageStream(listener);
    const first = one.next();
    const second = two.next();
    await channel.dispatch(listener.id, new Message('a'));
    await channel.dispatch(listener.id, new Message('b'));
    const events = await Promise.all([first, second]);
    expect(events.map((r) => (r.value as SSEEvent).event).sort()).toEqual(['a', 'b']);
    listener.stopSync();
  });

  it('surfaces errors that are not about the listener as a rejection of the stream', async () => {
    // A listener whose running state cannot be read: the failure is not swallowed.
    class Broken extends MessageQueueListener {
      override async isRunning(): Promise<boolean> {
        throw new Error('state unavailable');
      }
    }
    const channel = new SSEChannel();
    const listener = new Broken();
    channel.registerListener(listener);
    await expect(channel.messageStream(listener).next()).rejects.toThrow('state unavailable');
  });
});

describe('messageStream and the closed message', () => {
  it('ends on MESSAGE_TYPE_CLOSED even when onMessage throws for it (a validating listener)', async () => {
    class Validating extends MessageQueueListener {
      override onMessage(msg: MessageContract): void {
        if (msg.type !== 'order') throw new TypeError(`unexpected message type ${msg.type}`);
      }
    }
    const channel = new SSEChannel();
    const listener = new Validating();
    channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('order', 1));
    await channel.notifyEnd();
    await channel.dispatch(listener.id, new Message('order', 2));
    const events = await collect(channel.messageStream(listener));
    expect(events.map((e) => e.event)).toEqual(['order', MESSAGE_TYPE_INTERNAL_ERROR]);
    expect(events[1]?.data).toMatchObject({ name: 'TypeError', type: MESSAGE_TYPE_CLOSED });
    expect((await channel.deliverNext(listener.id)).payload).toBe(2);
  });
});
