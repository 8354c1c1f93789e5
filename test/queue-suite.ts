// The queue and channel behaviour every backend must show: one suite, run against the
// in-memory factory (core-queue.test.ts) and the Redis factory (redis-queue.test.ts), so
// that the backends stay equals.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DataProcessingChannel,
  InvalidMessageFormat,
  Message,
  MessageQueueListener,
  NoMessagesException,
  SignedMessage,
  SSEChannel,
  UniqueMessage,
  WorkerListener,
  type AbstractMessageQueueFactory,
  type MessageContract,
  type Queue,
} from 'eric-sse';

/** Runs the shared suite; `createFactory` is called in each test (after any `beforeAll`). */
export function queueBehaviourSuite(label: string, createFactory: () => AbstractMessageQueueFactory): void {
  const factories: AbstractMessageQueueFactory[] = [];
  const channels: DataProcessingChannel[] = [];

  afterEach(async () => {
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
    await Promise.all(factories.splice(0).map((factory) => (factory as { close?(): Promise<void> }).close?.()));
  });

  function factory(): AbstractMessageQueueFactory {
    const made = createFactory();
    factories.push(made);
    return made;
  }

  function freshQueue(): Queue {
    return factory().create({ channelId: randomUUID(), listenerId: randomUUID() });
  }

  const types = (messages: MessageContract[]): string[] => messages.map((m) => m.type);

  describe(`${label}: Queue`, () => {
    it('pops in FIFO order', async () => {
      const queue = freshQueue();
      for (const type of ['a', 'b', 'c']) await queue.push(new Message(type));
      const popped = [await queue.pop(), await queue.pop(), await queue.pop()];
      expect(types(popped)).toEqual(['a', 'b', 'c']);
    });

    it('keeps the payload, a SignedMessage sender and a UniqueMessage id', async () => {
      const queue = freshQueue();
      await queue.push(new Message('plain', { deep: [1, 'two', null, { three: 3.5 }] }));
      await queue.push(new SignedMessage('sender-1', 'signed', 'hi'));
      await queue.push(new UniqueMessage('id-7', new Message('unique', 7), 'sender-2'));
      await queue.push(new Message('empty'));
      const [plain, signed, unique, empty] = [await queue.pop(), await queue.pop(), await queue.pop(), await queue.pop()];
      expect(plain).toMatchObject({ type: 'plain', payload: { deep: [1, 'two', null, { three: 3.5 }] } });
      expect(signed).toBeInstanceOf(SignedMessage);
      expect(signed).toMatchObject({ type: 'signed', payload: 'hi', senderId: 'sender-1' });
      expect(unique).toBeInstanceOf(UniqueMessage);
      expect(unique).toMatchObject({ id: 'id-7', type: 'unique', payload: 7, senderId: 'sender-2' });
      expect(empty!.payload).toBeUndefined();
    });

    it('rejects pop on an empty queue with NoMessagesException', async () => {
      await expect(freshQueue().pop()).rejects.toBeInstanceOf(NoMessagesException);
    });

    it('rejects pushing something that is not a message', async () => {
      const queue = freshQueue();
      await expect(queue.push({ payload: 1 } as never)).rejects.toBeInstanceOf(InvalidMessageFormat);
      await expect(queue.push(null as never)).rejects.toThrow(/A message must be an object with a "type", got null/);
      expect(await queue.size!()).toBe(0);
    });

    it('delete removes every message', async () => {
      const queue = freshQueue();
      await queue.push(new Message('a'));
      await queue.push(new Message('b'));
      await queue.delete();
      expect(await queue.size!()).toBe(0);
      await expect(queue.pop()).rejects.toBeInstanceOf(NoMessagesException);
    });

    it('size counts waiting messages', async () => {
      const queue = freshQueue();
      expect(await queue.size!()).toBe(0);
      await queue.push(new Message('a'));
      await queue.push(new Message('b'));
      expect(await queue.size!()).toBe(2);
      await queue.pop();
      expect(await queue.size!()).toBe(1);
    });

    it('popMany takes at most max messages in order and never rejects for emptiness', async () => {
      const queue = freshQueue();
      for (const type of ['a', 'b', 'c']) await queue.push(new Message(type));
      expect(types(await queue.popMany!(2))).toEqual(['a', 'b']);
      expect(types(await queue.popMany!(5))).toEqual(['c']);
      expect(await queue.popMany!(5)).toEqual([]);
    });

    it('requeue hands messages back first in line, in the given order', async () => {
      const queue = freshQueue();
      for (const type of ['a', 'b', 'c', 'd']) await queue.push(new Message(type));
      const taken = await queue.popMany!(2);
      await queue.requeue!(taken);
      expect(await queue.size!()).toBe(4);
      expect(types(await queue.popMany!(10))).toEqual(['a', 'b', 'c', 'd']);
    });

    it('handed-back messages stay first in line across several small takes', async () => {
      const queue = freshQueue();
      const all = 'abcdefghij'.split('');
      for (const type of all) await queue.push(new Message(type));
      await queue.requeue!(await queue.popMany!(6));
      const taken: MessageContract[] = [];
      for (let i = 0; i < all.length; i += 1) taken.push(...(await queue.popMany!(1)));
      expect(types(taken)).toEqual(all);
    });

    it('popOrWait returns at once when a message is queued', async () => {
      const queue = freshQueue();
      await queue.push(new Message('ready'));
      expect((await queue.popOrWait!(new AbortController().signal)).type).toBe('ready');
    });

    it('popOrWait waits for the next push', async () => {
      const queue = freshQueue();
      const waiting = queue.popOrWait!(new AbortController().signal);
      await queue.push(new Message('late'));
      expect((await waiting).type).toBe('late');
    });

    it('popOrWait rejects with the abort reason and takes nothing', async () => {
      const queue = freshQueue();
      const controller = new AbortController();
      const waiting = queue.popOrWait!(controller.signal);
      const reason = new Error('gave up');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await queue.push(new Message('kept'));
      expect((await queue.pop()).type).toBe('kept');
    });

    it('popOrWait rejects at once on an already aborted signal', async () => {
      const queue = freshQueue();
      const controller = new AbortController();
      controller.abort(new Error('already'));
      await expect(queue.popOrWait!(controller.signal)).rejects.toThrow('already');
    });

    it('one push wakes exactly one of two waiters; the other keeps waiting', async () => {
      const queue = freshQueue();
      const controller = new AbortController();
      const first = queue.popOrWait!(controller.signal);
      const second = queue.popOrWait!(controller.signal);
      await queue.push(new Message('one'));
      const winner = await Promise.race([first, second]);
      expect(winner.type).toBe('one');
      await queue.push(new Message('two'));
      const both = await Promise.all([first, second]);
      expect(types(both).sort()).toEqual(['one', 'two']);
    });
  });

  describe(`${label}: channels`, () => {
    it('dispatch and deliverNext, one listener at a time', async () => {
      const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factory() });
      const [a, b] = [new MessageQueueListener(), new MessageQueueListener()];
      await channel.registerListener(a);
      await channel.registerListener(b);
      a.startSync();
      b.startSync();
      await channel.dispatch(a.id, new Message('for-a', 1));
      expect(await channel.deliverNext(a.id)).toMatchObject({ type: 'for-a', payload: 1 });
      await expect(channel.deliverNext(b.id)).rejects.toBeInstanceOf(NoMessagesException);
    });

    it('broadcast reaches every listener; removeListener deletes the queue', async () => {
      const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factory() });
      const listeners = [new MessageQueueListener(), new MessageQueueListener(), new MessageQueueListener()];
      for (const listener of listeners) {
        await channel.registerListener(listener);
        listener.startSync();
      }
      await channel.broadcast(new UniqueMessage('u1', new Message('news', { n: 1 })));
      for (const listener of listeners) {
        const msg = await channel.deliverNext(listener.id);
        expect(msg).toBeInstanceOf(UniqueMessage);
        expect(msg).toMatchObject({ id: 'u1', type: 'news', payload: { n: 1 } });
      }
      await channel.broadcast(new Message('again'));
      await channel.removeListener(listeners[0]!.id);
      expect(channel.getListenerIds()).not.toContain(listeners[0]!.id);
      expect((await channel.deliverNext(listeners[1]!.id)).type).toBe('again');
    });

    it('messageStream waits without polling and yields what is dispatched later, SSE id included', async () => {
      const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factory() });
      const listener = new MessageQueueListener();
      await channel.registerListener(listener);
      listener.startSync();
      const stream = channel.messageStream(listener);
      const next = stream.next();
      await channel.dispatch(listener.id, new UniqueMessage('e-1', new Message('late', 'x')));
      expect((await next).value).toEqual({ event: 'late', retry: 5, data: 'x', id: 'e-1' });
      const waiting = stream.next();
      listener.stopSync();
      expect((await waiting).done).toBe(true);
    });

    it('messageStream: stopping inside the loop leaves the next message queued for a restart', async () => {
      const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factory() });
      const listener = new MessageQueueListener();
      await channel.registerListener(listener);
      await listener.start();
      for (const type of ['first', 'second', 'third']) await channel.dispatch(listener.id, new Message(type));
      const seen: string[] = [];
      for await (const event of channel.messageStream(listener)) {
        seen.push(event.event);
        if (event.event === 'first') await listener.stop();
      }
      expect(seen).toEqual(['first']);
      await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
      await listener.start();
      expect((await channel.deliverNext(listener.id)).type).toBe('second');
      expect((await channel.deliverNext(listener.id)).type).toBe('third');
    });

    it('two streams of one listener: each message goes to one of them', async () => {
      const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factory() });
      const listener = new MessageQueueListener();
      await channel.registerListener(listener);
      listener.startSync();
      const one = channel.messageStream(listener);
      const two = channel.messageStream(listener);
      const first = one.next();
      const second = two.next();
      await channel.dispatch(listener.id, new Message('a'));
      await channel.dispatch(listener.id, new Message('b'));
      const events = await Promise.all([first, second]);
      expect(events.map((r) => r.value!.event).sort()).toEqual(['a', 'b']);
      listener.stopSync();
      expect((await one.next()).done).toBe(true);
      expect((await two.next()).done).toBe(true);
    });

    it('processQueue on the main thread: every message once, then the closed message ends it', async () => {
      const channel = new DataProcessingChannel({ id: randomUUID(), maxWorkers: 4, queuesFactory: factory() });
      channels.push(channel);
      const listener = new MessageQueueListener();
      await channel.registerListener(listener);
      for (let i = 0; i < 200; i += 1) await channel.dispatch(listener.id, new Message('n', i));
      await channel.notifyEnd();
      const seen: unknown[] = [];
      for await (const event of channel.processQueue(listener, { ordered: true })) seen.push(event.data);
      expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });

    it('processQueue with worker threads; break hands the rest back for the next run', async () => {
      const channel = new DataProcessingChannel({ id: randomUUID(), maxWorkers: 2, queuesFactory: factory() });
      channels.push(channel);
      const listener = new WorkerListener(new URL('./fixtures/square-handler.js', import.meta.url));
      await channel.registerListener(listener);
      for (let i = 0; i < 300; i += 1) await channel.dispatch(listener.id, new Message('n', i));
      await channel.notifyEnd();
      const first: unknown[] = [];
      for await (const event of channel.processQueue(listener, { ordered: true })) {
        first.push(event.data);
        if (first.length === 100) break;
      }
      const rest: unknown[] = [];
      for await (const event of channel.processQueue(listener, { ordered: true })) rest.push(event.data);
      expect([...first, ...rest]).toEqual(Array.from({ length: 300 }, (_, i) => i * i));
    });
  });
}
