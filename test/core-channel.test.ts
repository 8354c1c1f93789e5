import { describe, expect, it } from 'vitest';
import {
  AbstractChannel,
  AbstractMessageQueueFactory,
  InMemoryMessageQueueFactory,
  InvalidListenerException,
  InvalidMessageFormat,
  Message,
  MESSAGE_TYPE_CLOSED,
  MessageQueueListener,
  NoMessagesException,
  type MessageContract,
  type Queue,
} from 'eric-sse';

/** The smallest concrete channel: streams yield the messages themselves. */
class PlainChannel extends AbstractChannel<MessageContract> {
  adapt(msg: MessageContract): MessageContract {
    return msg;
  }
}

const kUuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('AbstractChannel construction', () => {
  it('gets a UUID v4 id and streamDelaySeconds 0 by default', () => {
    const channel = new PlainChannel();
    expect(channel.id).toMatch(kUuidV4);
    expect(channel.streamDelaySeconds).toBe(0);
    expect(new PlainChannel().id).not.toBe(channel.id);
  });

  it('takes streamDelaySeconds from the options', () => {
    expect(new PlainChannel({ streamDelaySeconds: 0.5 }).streamDelaySeconds).toBe(0.5);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], ['1']])('rejects streamDelaySeconds %j with a RangeError', (value) => {
    expect(() => new PlainChannel({ streamDelaySeconds: value as number })).toThrow(RangeError);
    expect(() => new PlainChannel({ streamDelaySeconds: value as number })).toThrow(/streamDelaySeconds must be a finite number >= 0/);
  });

  it('rejects a queuesFactory without create()', () => {
    expect(() => new PlainChannel({ queuesFactory: {} as never })).toThrow(TypeError);
    expect(() => new PlainChannel({ queuesFactory: {} as never })).toThrow(/queuesFactory must be an AbstractMessageQueueFactory/);
  });

  it('creates each listener queue with the given factory, naming channel and listener', () => {
    const owners: unknown[] = [];
    class Factory extends AbstractMessageQueueFactory {
      create(owner: { channelId: string; listenerId: string }): Queue {
        owners.push(owner);
        return new InMemoryMessageQueueFactory().create();
      }
    }
    const channel = new PlainChannel({ queuesFactory: new Factory() });
    const listener = channel.addListener();
    expect(owners).toEqual([{ channelId: channel.id, listenerId: listener.id }]);
  });
});

describe('addListener / registerListener / getListener / getListenerIds', () => {
  it('addListener registers a new default listener that is not running', () => {
    const channel = new PlainChannel();
    const listener = channel.addListener();
    expect(listener).toBeInstanceOf(MessageQueueListener);
    expect(listener.isRunningSync()).toBe(false);
    expect(channel.getListener(listener.id)).toBe(listener);
    expect(channel.getListenerIds()).toEqual([listener.id]);
  });

  it('registerListener registers a listener made elsewhere', () => {
    const channel = new PlainChannel();
    const listener = new MessageQueueListener({ id: 'bob' });
    channel.registerListener(listener);
    expect(channel.getListener('bob')).toBe(listener);
  });

  it('registering the same listener twice keeps its queue', async () => {
    const channel = new PlainChannel();
    const listener = new MessageQueueListener();
    channel.registerListener(listener);
    await channel.dispatch(listener.id, new Message('kept'));
    channel.registerListener(listener);
    await listener.start();
    expect((await channel.deliverNext(listener.id)).type).toBe('kept');
  });

  it('refuses another listener with an id already registered', () => {
    const channel = new PlainChannel();
    channel.registerListener(new MessageQueueListener({ id: 'dup' }));
    expect(() => channel.registerListener(new MessageQueueListener({ id: 'dup' }))).toThrow(InvalidListenerException);
    expect(() => channel.registerListener(new MessageQueueListener({ id: 'dup' }))).toThrow(/Another listener with id dup/);
  });

  it('refuses something that is not a MessageQueueListener', () => {
    const channel = new PlainChannel();
    expect(() => channel.registerListener({ id: 'x' } as never)).toThrow(InvalidListenerException);
  });

  it('getListener throws InvalidListenerException naming an unknown id', () => {
    expect(() => new PlainChannel().getListener('nobody')).toThrow(InvalidListenerException);
    expect(() => new PlainChannel().getListener('nobody')).toThrow('No listener with id nobody');
  });
});

describe('removeListener', () => {
  it('unregisters the listener and deletes its queue', async () => {
    const channel = new PlainChannel();
    const listener = new MessageQueueListener({ id: 'gone' });
    channel.registerListener(listener);
    await channel.dispatch('gone', new Message('lost'));
    await channel.removeListener('gone');
    expect(() => channel.getListener('gone')).toThrow(InvalidListenerException);
    expect(channel.getListenerIds()).toEqual([]);
    // Registering again starts from an empty queue.
    channel.registerListener(listener);
    await listener.start();
    await expect(channel.deliverNext('gone')).rejects.toBeInstanceOf(NoMessagesException);
  });

  it('rejects an unknown id with InvalidListenerException', async () => {
    await expect(new PlainChannel().removeListener('nobody')).rejects.toBeInstanceOf(InvalidListenerException);
  });
});

describe('dispatch', () => {
  it('queues the message for that listener only', async () => {
    const channel = new PlainChannel();
    const a = channel.addListener();
    const b = channel.addListener();
    await Promise.all([a.start(), b.start()]);
    const msg = new Message('for-a', 1);
    await channel.dispatch(a.id, msg);
    expect(await channel.deliverNext(a.id)).toBe(msg);
    await expect(channel.deliverNext(b.id)).rejects.toBeInstanceOf(NoMessagesException);
  });

  it('accepts a plain MessageContract object', async () => {
    const channel = new PlainChannel();
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, { type: 'plain', payload: null });
    expect(await channel.deliverNext(listener.id)).toEqual({ type: 'plain', payload: null });
  });

  it('rejects an unknown listener id with InvalidListenerException', async () => {
    await expect(new PlainChannel().dispatch('nobody', new Message('x'))).rejects.toThrow('No listener with id nobody');
  });

  it('rejects a malformed message with InvalidMessageFormat', async () => {
    const channel = new PlainChannel();
    const listener = channel.addListener();
    await expect(channel.dispatch(listener.id, { payload: 1 } as never)).rejects.toBeInstanceOf(InvalidMessageFormat);
    await expect(channel.dispatch(listener.id, { type: '', payload: 1 })).rejects.toBeInstanceOf(InvalidMessageFormat);
  });
});

describe('broadcast', () => {
  it('queues the message for every registered listener', async () => {
    const channel = new PlainChannel();
    const listeners = [channel.addListener(), channel.addListener(), channel.addListener()];
    for (const listener of listeners) listener.startSync();
    await channel.broadcast(new Message('all', 'hello'));
    for (const listener of listeners) expect(await channel.deliverNext(listener.id)).toMatchObject({ type: 'all', payload: 'hello' });
  });

  it('does nothing on a channel without listeners', async () => {
    await expect(new PlainChannel().broadcast(new Message('void'))).resolves.toBeUndefined();
  });

  it('rejects a malformed message before queueing anything', async () => {
    const channel = new PlainChannel();
    const listener = channel.addListener();
    listener.startSync();
    await expect(channel.broadcast(null as never)).rejects.toBeInstanceOf(InvalidMessageFormat);
    await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
  });
});

describe('notifyEnd', () => {
  it('broadcasts a MESSAGE_TYPE_CLOSED message', async () => {
    const channel = new PlainChannel();
    const a = channel.addListener();
    const b = channel.addListener();
    a.startSync();
    b.startSync();
    await channel.notifyEnd();
    expect((await channel.deliverNext(a.id)).type).toBe(MESSAGE_TYPE_CLOSED);
    expect((await channel.deliverNext(b.id)).type).toBe(MESSAGE_TYPE_CLOSED);
  });
});

describe('deliverNext', () => {
  it('pops the next message, after awaiting the listener onMessage', async () => {
    const events: string[] = [];
    class SlowListener extends MessageQueueListener {
      override async onMessage(msg: MessageContract): Promise<void> {
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`handled ${msg.type}`);
      }
    }
    const channel = new PlainChannel();
    const listener = new SlowListener();
    channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('one'));
    await channel.dispatch(listener.id, new Message('two'));
    const first = await channel.deliverNext(listener.id);
    events.push(`returned ${first.type}`);
    expect(events).toEqual(['handled one', 'returned one']);
    expect((await channel.deliverNext(listener.id)).type).toBe('two');
  });

  it('rejects with NoMessagesException when the queue is empty', async () => {
    const channel = new PlainChannel();
    const listener = channel.addListener();
    listener.startSync();
    await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
  });

  it('rejects with NoMessagesException when the listener is not running, and leaves the message queued', async () => {
    const channel = new PlainChannel();
    const listener = channel.addListener();
    await channel.dispatch(listener.id, new Message('waiting'));
    await expect(channel.deliverNext(listener.id)).rejects.toThrow(/is not running/);
    await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
    listener.startSync();
    expect((await channel.deliverNext(listener.id)).type).toBe('waiting');
  });

  it('rejects with InvalidListenerException for an unknown id', async () => {
    await expect(new PlainChannel().deliverNext('nobody')).rejects.toBeInstanceOf(InvalidListenerException);
  });

  it('passes on the rejection of a failing onMessage (the message is consumed)', async () => {
    class Failing extends MessageQueueListener {
      override onMessage(): void {
        throw new Error('handler broke');
      }
    }
    const channel = new PlainChannel();
    const listener = new Failing();
    channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('bad'));
    await expect(channel.deliverNext(listener.id)).rejects.toThrow('handler broke');
    await expect(channel.deliverNext(listener.id)).rejects.toBeInstanceOf(NoMessagesException);
  });
});

describe('watch', () => {
  it('adds and starts a listener and streams its messages', async () => {
    const channel = new PlainChannel();
    const stream = channel.watch();
    const [id] = channel.getListenerIds();
    expect(id).toBeDefined();
    expect(channel.getListener(id!).isRunningSync()).toBe(true);
    const next = stream.next();
    await channel.broadcast(new Message('seen'));
    expect((await next).value).toMatchObject({ type: 'seen' });
    await stream.return();
  });
});
