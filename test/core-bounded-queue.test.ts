import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  InMemoryMessageQueueFactory,
  InMemoryQueue,
  Message,
  NoMessagesException,
  QueueFullException,
  SSEChannel,
  type MessageContract,
  type Queue,
} from 'eric-sse';

/** Whether `promise` is still pending after the event loop has turned a few times. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i += 1) await turn();
  return !settled;
}

function bounded(capacity: number, whenFull?: 'wait' | 'reject'): Queue {
  return new InMemoryMessageQueueFactory({ capacity, ...(whenFull ? { whenFull } : {}) }).create({ channelId: 'c', listenerId: 'l' });
}

async function fill(queue: Queue, types: string[]): Promise<void> {
  for (const type of types) await queue.push(new Message(type));
}

async function drain(queue: Queue): Promise<string[]> {
  const types: string[] = [];
  for (;;) {
    try {
      types.push((await queue.pop()).type);
    } catch (error) {
      if (error instanceof NoMessagesException) return types;
      throw error;
    }
  }
}

/** A channel whose listeners' queues hold at most `capacity` messages. */
function channelWith(capacity: number, whenFull: 'wait' | 'reject'): SSEChannel {
  return new SSEChannel({ queuesFactory: new InMemoryMessageQueueFactory({ capacity, whenFull }) });
}

describe('InMemoryMessageQueueFactory options', () => {
  it('is unbounded by default', async () => {
    const queue = new InMemoryMessageQueueFactory().create({ channelId: 'c', listenerId: 'l' }) as InMemoryQueue;
    expect(queue.capacity).toBe(Number.POSITIVE_INFINITY);
    await fill(queue, Array.from({ length: 1000 }, (_, i) => `m${i}`));
    expect(await queue.size!()).toBe(1000);
  });

  it('refuses a bad capacity or whenFull, naming the option and the value', () => {
    expect(() => new InMemoryMessageQueueFactory({ capacity: 0 })).toThrow(/capacity must be a positive integer, got 0 \(number\)/);
    expect(() => new InMemoryMessageQueueFactory({ capacity: '10' as never })).toThrow(/capacity must be a positive integer, got "10" \(string\)/);
    expect(() => new InMemoryMessageQueueFactory({ capacity: 1.5 })).toThrow(RangeError);
    expect(() => new InMemoryMessageQueueFactory({ whenFull: 'drop' as never })).toThrow(/whenFull must be 'wait' or 'reject', got "drop" \(string\)/);
    expect(() => new InMemoryMessageQueueFactory(null as never)).toThrow(/options must be an object, got null/);
  });
});

describe('a bounded queue with whenFull: reject', () => {
  it('rejects a push to a full queue with QueueFullException and adds nothing', async () => {
    const queue = bounded(2, 'reject');
    await fill(queue, ['a', 'b']);
    const error = await queue.push(new Message('c')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullException);
    expect((error as Error).message).toMatch(/queue of listener l \(channel c\) is full \(capacity 2\)/);
    expect(await queue.size!()).toBe(2);
    await queue.pop();
    await queue.push(new Message('d'));
    expect(await drain(queue)).toEqual(['b', 'd']);
  });

  it('dispatch rejects naming the listener; broadcast still reaches the listeners with room', async () => {
    const channel = channelWith(1, 'reject');
    const full = channel.addListener();
    const free = channel.addListener();
    await channel.dispatch(full.id, new Message('first'));
    await expect(channel.dispatch(full.id, new Message('second'))).rejects.toThrow(
      new RegExp(`queue of listener ${full.id} .* is full \\(capacity 1\\)`),
    );
    await expect(channel.broadcast(new Message('all'))).rejects.toBeInstanceOf(QueueFullException);
    full.startSync();
    free.startSync();
    expect((await channel.deliverNext(full.id)).type).toBe('first');
    await expect(channel.deliverNext(full.id)).rejects.toBeInstanceOf(NoMessagesException);
    expect((await channel.deliverNext(free.id)).type).toBe('all');
  });
});

describe('a bounded queue with whenFull: wait (backpressure)', () => {
  it('holds a push until a pop makes room, then adds it in push order', async () => {
    const queue = bounded(2);
    await fill(queue, ['a', 'b']);
    const c = queue.push(new Message('c'));
    const d = queue.push(new Message('d'));
    expect(await isPending(c)).toBe(true);
    expect(await queue.size!()).toBe(2);
    expect((await queue.pop()).type).toBe('a');
    await c;
    expect(await isPending(d)).toBe(true);
    expect(await queue.popMany!(2)).toHaveLength(2);
    await d;
    expect(await drain(queue)).toEqual(['d']);
  });

  it('keeps push order: a new push waits behind pushes already waiting', async () => {
    const queue = bounded(1);
    await fill(queue, ['a']);
    const waiting = queue.push(new Message('b'));
    await queue.pop(); // room for one: b takes it
    const later = queue.push(new Message('c'));
    await waiting;
    expect(await isPending(later)).toBe(true);
    expect((await queue.pop()).type).toBe('b');
    await later;
    expect((await queue.pop()).type).toBe('c');
  });

  it('popOrWait makes room too', async () => {
    const queue = bounded(1);
    await fill(queue, ['a']);
    const waiting = queue.push(new Message('b'));
    expect((await queue.popOrWait!(new AbortController().signal)).type).toBe('a');
    await waiting;
    expect((await queue.pop()).type).toBe('b');
  });

  it('a signal ends the wait: the push rejects with its reason and adds nothing', async () => {
    const queue = bounded(1);
    await fill(queue, ['a']);
    const controller = new AbortController();
    const waiting = queue.push(new Message('b'), { signal: controller.signal });
    const after = queue.push(new Message('c'));
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    await queue.pop();
    await after;
    expect(await drain(queue)).toEqual(['c']);
    await expect(queue.push(new Message('x'), { signal: AbortSignal.abort(new Error('already')) })).resolves.toBeUndefined();
  });

  it('deleting the queue ends waiting pushes with QueueFullException', async () => {
    const queue = bounded(1);
    await fill(queue, ['a']);
    const waiting = queue.push(new Message('b'));
    await queue.delete();
    await expect(waiting).rejects.toThrow(/was deleted while this push waited for room; the message was not added/);
    expect(await queue.size!()).toBe(0);
  });

  it('messages handed back go past the capacity: nothing already accepted is dropped', async () => {
    const queue = bounded(2);
    await fill(queue, ['a', 'b']);
    const taken: MessageContract[] = await queue.popMany!(2);
    await fill(queue, ['c', 'd']);
    await queue.requeue!(taken);
    expect(await queue.size!()).toBe(4);
    expect(await drain(queue)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('dispatch waits for room; its signal ends the wait; removing the listener ends it too', async () => {
    const channel = channelWith(1, 'wait');
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('a'));
    const waiting = channel.dispatch(listener.id, new Message('b'));
    expect(await isPending(waiting)).toBe(true);
    expect((await channel.deliverNext(listener.id)).type).toBe('a');
    await waiting;
    const controller = new AbortController();
    const aborted = channel.dispatch(listener.id, new Message('c'), { signal: controller.signal });
    controller.abort(new Error('producer stopped'));
    await expect(aborted).rejects.toThrow('producer stopped');
    const orphan = channel.dispatch(listener.id, new Message('d'));
    await channel.removeListener(listener.id);
    await expect(orphan).rejects.toBeInstanceOf(QueueFullException);
  });

  it('broadcast waits for each full listener only; the others have the message at once', async () => {
    const channel = channelWith(1, 'wait');
    const full = channel.addListener();
    const free = channel.addListener();
    full.startSync();
    free.startSync();
    await channel.dispatch(full.id, new Message('first'));
    const broadcast = channel.broadcast(new Message('all'));
    expect(await isPending(broadcast)).toBe(true);
    expect((await channel.deliverNext(free.id)).type).toBe('all');
    expect((await channel.deliverNext(full.id)).type).toBe('first');
    await broadcast;
    expect((await channel.deliverNext(full.id)).type).toBe('all');
  });

  it('checks dispatch and broadcast options', async () => {
    const channel = channelWith(1, 'wait');
    const listener = channel.addListener();
    await expect(channel.dispatch(listener.id, new Message('a'), { signal: 'soon' as never })).rejects.toThrow(
      /dispatch option "signal" must be an AbortSignal, got "soon" \(string\)/,
    );
    await expect(channel.broadcast(new Message('a'), null as never)).rejects.toThrow(/broadcast options must be an object, got null/);
  });
});

describe('dispatchMany', () => {
  it('adds messages in order, checking every one before adding any', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    await expect(channel.dispatchMany(listener.id, [new Message('a'), { payload: 1 } as never])).rejects.toThrow(
      /A message must be an object with a "type"|Message type must be a non-empty string/,
    );
    await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
    await channel.dispatchMany(listener.id, ['a', 'b', 'c'].map((type) => new Message(type)));
    const got = [];
    for (let i = 0; i < 3; i += 1) got.push((await channel.deliverNext(listener.id)).type);
    expect(got).toEqual(['a', 'b', 'c']);
    await expect(channel.dispatchMany('nobody', [new Message('a')])).rejects.toThrow(/No listener with id nobody/);
  });

  it("whenFull: 'reject': the messages that fit are added, the rejection says how many", async () => {
    const channel = channelWith(3, 'reject');
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('first'));
    await expect(channel.dispatchMany(listener.id, ['a', 'b', 'c', 'd'].map((type) => new Message(type)))).rejects.toThrow(
      /is full \(capacity 3\): 2 of 4 messages were added, the rest were not/,
    );
    const got = [];
    for (let i = 0; i < 3; i += 1) got.push((await channel.deliverNext(listener.id)).type);
    expect(got).toEqual(['first', 'a', 'b']);
  });

  it("whenFull: 'wait': the rest wait for room, in order, behind earlier waiting pushes", async () => {
    const channel = channelWith(2, 'wait');
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('first'));
    const many = channel.dispatchMany(listener.id, ['a', 'b', 'c'].map((type) => new Message(type)));
    expect(await isPending(many)).toBe(true);
    const got = [];
    for (let i = 0; i < 4; i += 1) got.push((await channel.deliverNext(listener.id)).type);
    await many;
    expect(got).toEqual(['first', 'a', 'b', 'c']);
  });

  it("whenFull: 'wait': a pop of n makes room for n of the waiting messages at once, not one", async () => {
    const queue = new InMemoryQueue({ capacity: 4 });
    await fill(queue, ['a', 'b', 'c', 'd']);
    const many = queue.pushMany(['e', 'f', 'g', 'h', 'i', 'j'].map((type) => new Message(type)));
    expect(await isPending(many)).toBe(true);
    expect((await queue.popMany(4)).map((msg) => msg.type)).toEqual(['a', 'b', 'c', 'd']);
    for (let i = 0; i < 5; i += 1) await turn();
    // The queue is full again with the next four, in order; the last two still wait.
    expect(await queue.size()).toBe(4);
    expect(await isPending(many)).toBe(true);
    expect((await queue.popMany(4)).map((msg) => msg.type)).toEqual(['e', 'f', 'g', 'h']);
    await many;
    expect(await drain(queue)).toEqual(['i', 'j']);
  });

  it('works with a queue that has no pushMany (one push each)', async () => {
    const pushed: string[] = [];
    class PlainQueue extends InMemoryQueue {
      override push(msg: MessageContract): Promise<void> {
        pushed.push(msg.type);
        return super.push(msg);
      }
    }
    Object.defineProperty(PlainQueue.prototype, 'pushMany', { value: undefined });
    const channel = new SSEChannel({ queuesFactory: { create: () => new PlainQueue() } });
    const listener = channel.addListener();
    await channel.dispatchMany(listener.id, new Set([new Message('x'), new Message('y')]));
    expect(pushed).toEqual(['x', 'y']);
  });
});
