import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  InMemoryMessageQueueFactory,
  InMemoryQueue,
  Message,
  type Queue,
} from 'eric-sse';
import { queueBehaviourSuite } from './queue-suite.js';

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
  it('returns the very message object pushed', async () => {
    const queue = freshQueue();
    const msg = new Message('same', { deep: [1] });
    await queue.push(msg);
    expect(await queue.pop()).toBe(msg);
  });
});

// The behaviour every backend shares (the Redis backend runs it too: redis-queue.test.ts).
queueBehaviourSuite('in-memory', () => new InMemoryMessageQueueFactory());

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
