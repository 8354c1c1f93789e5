import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  InMemoryMessageQueueFactory,
  InMemoryQueue,
  InvalidMessageFormat,
  Message,
  NoMessagesException,
  type Queue,
} from 'eric-sse';

function freshQueue(): Queue {
  return new InMemoryMessageQueueFactory().create({ channelId: 'c', listenerId: 'l' });
}

describe('InMemoryMessageQueueFactory', () => {
  it('is an AbstractMessageQueueFactory creating a new InMemoryQueue each time', () => {
    const factory = new InMemoryMessageQueueFactory();
    expect(factory).toBeInstanceOf(AbstractMessageQueueFactory);
    const a = factory.create({ channelId: 'c', listenerId: 'a' });
    const b = factory.create({ channelId: 'c', listenerId: 'b' });
    expect(a).toBeInstanceOf(InMemoryQueue);
    expect(a).not.toBe(b);
  });
});

describe('InMemoryQueue', () => {
  it('pops in FIFO order', async () => {
    const queue = freshQueue();
    for (const type of ['a', 'b', 'c']) await queue.push(new Message(type));
    const popped = [await queue.pop(), await queue.pop(), await queue.pop()];
    expect(popped.map((m) => m.type)).toEqual(['a', 'b', 'c']);
  });

  it('returns the very message object pushed', async () => {
    const queue = freshQueue();
    const msg = new Message('same', { deep: [1] });
    await queue.push(msg);
    expect(await queue.pop()).toBe(msg);
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
    expect((await queue.popMany!(2)).map((m) => m.type)).toEqual(['a', 'b']);
    expect((await queue.popMany!(5)).map((m) => m.type)).toEqual(['c']);
    expect(await queue.popMany!(5)).toEqual([]);
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
    expect(both.map((m) => m.type).sort()).toEqual(['one', 'two']);
  });
});

describe('AbstractMessageQueueFactory', () => {
  it('is subclassed to plug in another backend, receiving the owner of each queue', () => {
    const owners: unknown[] = [];
    class RecordingFactory extends AbstractMessageQueueFactory {
      create(owner: { channelId: string; listenerId: string }): Queue {
        owners.push(owner);
        return freshQueue();
      }
    }
    const queue = new RecordingFactory().create({ channelId: 'ch', listenerId: 'li' });
    expect(typeof queue.pop).toBe('function');
    expect(owners).toEqual([{ channelId: 'ch', listenerId: 'li' }]);
  });
});
