import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  InMemoryMessageQueueFactory,
  InvalidChannelException,
  Message,
  NoMessagesException,
  SSEChannel,
  SSEChannelContainer,
  type Queue,
} from 'eric-sse';

describe('SSEChannelContainer', () => {
  it('starts empty', () => {
    expect(new SSEChannelContainer().getAllIds()).toEqual([]);
  });

  it('add creates and keeps an SSEChannel, found again by id', () => {
    const container = new SSEChannelContainer();
    const a = container.add();
    const b = container.add();
    expect(a).toBeInstanceOf(SSEChannel);
    expect(container.get(a.id)).toBe(a);
    expect(container.get(b.id)).toBe(b);
    expect(container.getAllIds().sort()).toEqual([a.id, b.id].sort());
  });

  it('add uses the given queues factory', () => {
    let created = 0;
    class Counting extends AbstractMessageQueueFactory {
      create(): Queue {
        created += 1;
        return new InMemoryMessageQueueFactory().create();
      }
    }
    const channel = new SSEChannelContainer().add(new Counting());
    channel.addListener();
    expect(created).toBe(1);
  });

  it('get throws InvalidChannelException naming an unknown id', () => {
    expect(() => new SSEChannelContainer().get('2')).toThrow(InvalidChannelException);
    expect(() => new SSEChannelContainer().get('2')).toThrow('No channel with id 2');
  });

  it('rm forgets the channel', () => {
    const container = new SSEChannelContainer();
    const channel = container.add();
    const kept = container.add();
    container.rm(channel.id);
    expect(container.getAllIds()).toEqual([kept.id]);
    expect(() => container.get(channel.id)).toThrow(InvalidChannelException);
  });

  it('rm throws InvalidChannelException for an unknown id', () => {
    expect(() => new SSEChannelContainer().rm('nope')).toThrow(InvalidChannelException);
  });

  it('rm stops the listeners so that their waiting streams end', async () => {
    const container = new SSEChannelContainer();
    const channel = container.add();
    const stream = channel.watch();
    const listener = channel.addListener();
    listener.startSync();
    const waiting = stream.next();
    const other = channel.messageStream(listener).next();
    container.rm(channel.id);
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await other).toEqual({ done: true, value: undefined });
    expect(listener.isRunningSync()).toBe(false);
  });

  it('channels are independent', async () => {
    const container = new SSEChannelContainer();
    const a = container.add();
    const b = container.add();
    const la = a.addListener();
    const lb = b.addListener();
    la.startSync();
    lb.startSync();
    await a.broadcast(new Message('only-a'));
    expect((await a.deliverNext(la.id)).type).toBe('only-a');
    await expect(b.deliverNext(lb.id)).rejects.toBeInstanceOf(NoMessagesException);
  });
});
