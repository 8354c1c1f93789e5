import { describe, expect, it } from 'vitest';
import {
  InvalidListenerException,
  InvalidMessageFormat,
  Message,
  MESSAGE_TYPE_INTERNAL_ERROR,
  MessageQueueListener,
  SignedMessage,
  SimpleDistributedApplicationListener,
  SSEChannel,
  type MessageContract,
  type SSEEvent,
} from 'eric-sse';

function pair(): { channel: SSEChannel; alice: SimpleDistributedApplicationListener; bob: SimpleDistributedApplicationListener } {
  const channel = new SSEChannel();
  return { channel, alice: new SimpleDistributedApplicationListener(channel), bob: new SimpleDistributedApplicationListener(channel) };
}

describe('SimpleDistributedApplicationListener', () => {
  it('is a MessageQueueListener that registers itself on its channel, not running', () => {
    const { channel, alice } = pair();
    expect(alice).toBeInstanceOf(MessageQueueListener);
    expect(channel.getListener(alice.id)).toBe(alice);
    expect(alice.isRunningSync()).toBe(false);
  });

  it.each([['start'], ['stop'], ['remove']])('refuses the reserved action name %s', (name) => {
    const { alice } = pair();
    expect(() => alice.setAction(name, () => [])).toThrow(InvalidMessageFormat);
    expect(() => alice.setAction(name, () => [])).toThrow(`"${name}" is a reserved action name`);
  });

  it('refuses an empty action name and an action that is not a function', () => {
    const { alice } = pair();
    expect(() => alice.setAction('', () => [])).toThrow(/non-empty string/);
    expect(() => alice.setAction('hello', 'nope' as never)).toThrow(TypeError);
  });

  it('dispatchTo sends the message signed with its own id, to a listener or an id', async () => {
    const { channel, alice, bob } = pair();
    bob.startSync();
    await alice.dispatchTo(bob, new Message('hello', 'hi'));
    await alice.dispatchTo(bob.id, new Message('hello', 'again'));
    const first = await channel.deliverNext(bob.id);
    expect(first).toBeInstanceOf(SignedMessage);
    expect(first).toMatchObject({ senderId: alice.id, type: 'hello', payload: 'hi' });
    expect(await channel.deliverNext(bob.id)).toMatchObject({ senderId: alice.id, payload: 'again' });
  });

  it('dispatchTo rejects an unknown receiver and a malformed message', async () => {
    const { alice } = pair();
    await expect(alice.dispatchTo('nobody', new Message('hello'))).rejects.toBeInstanceOf(InvalidListenerException);
    await expect(alice.dispatchTo(alice, { payload: 1 } as never)).rejects.toBeInstanceOf(InvalidMessageFormat);
  });

  it('onMessage runs the action and sends each returned message, signed, to the sender', async () => {
    const { channel, alice, bob } = pair();
    const seen: MessageContract[] = [];
    bob.setAction('hello', (msg) => {
      seen.push(msg);
      return [new Message('hello_ack', `${String(msg.payload)}!`), new Message('bye')];
    });
    await bob.onMessage(new SignedMessage(alice.id, 'hello', 'hi'));
    expect(seen).toHaveLength(1);
    alice.startSync();
    expect(await channel.deliverNext(alice.id)).toMatchObject({ type: 'hello_ack', payload: 'hi!', senderId: bob.id });
    expect(await channel.deliverNext(alice.id)).toMatchObject({ type: 'bye', senderId: bob.id });
  });

  it('awaits an async action', async () => {
    const { channel, alice, bob } = pair();
    bob.setAction('hello', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return [new Message('late_ack')];
    });
    await bob.onMessage(new SignedMessage(alice.id, 'hello'));
    alice.startSync();
    expect((await channel.deliverNext(alice.id)).type).toBe('late_ack');
  });

  it('replies to the sender of a UniqueMessage', async () => {
    const { channel, alice, bob } = pair();
    const { UniqueMessage } = await import('eric-sse');
    bob.setAction('hello', () => [new Message('ack')]);
    await bob.onMessage(new UniqueMessage('m1', new SignedMessage(alice.id, 'hello')));
    alice.startSync();
    expect((await channel.deliverNext(alice.id)).type).toBe('ack');
  });

  it('replacing an action uses the new one', async () => {
    const { channel, alice, bob } = pair();
    bob.setAction('hello', () => [new Message('old')]);
    bob.setAction('hello', () => [new Message('new')]);
    await bob.onMessage(new SignedMessage(alice.id, 'hello'));
    alice.startSync();
    expect((await channel.deliverNext(alice.id)).type).toBe('new');
  });

  it('ignores a message type without an action', async () => {
    const { bob } = pair();
    await expect(bob.onMessage(new Message('unknown'))).resolves.toBeUndefined();
  });

  it('needs no sender when the action returns no messages', async () => {
    const { bob } = pair();
    let ran = false;
    bob.setAction('note', () => {
      ran = true;
      return [];
    });
    await bob.onMessage(new Message('note'));
    expect(ran).toBe(true);
  });

  it('rejects replying to a message without a sender', async () => {
    const { bob } = pair();
    bob.setAction('hello', () => [new Message('ack')]);
    await expect(bob.onMessage(new Message('hello'))).rejects.toThrow(/Cannot reply to a "hello" message without a senderId/);
  });

  it('rejects an action that returns something other than an array', async () => {
    const { bob } = pair();
    bob.setAction('hello', (() => new Message('ack')) as never);
    await expect(bob.onMessage(new SignedMessage('x', 'hello'))).rejects.toThrow(/must return an array of messages/);
  });

  it('start, stop and remove messages act on the listener', async () => {
    const { channel, bob } = pair();
    await bob.onMessage(new Message('start'));
    expect(bob.isRunningSync()).toBe(true);
    await bob.onMessage(new Message('stop'));
    expect(bob.isRunningSync()).toBe(false);
    bob.startSync();
    await bob.onMessage(new Message('remove'));
    expect(bob.isRunningSync()).toBe(false);
    expect(() => channel.getListener(bob.id)).toThrow(InvalidListenerException);
  });

  it('remove() stops and unregisters', async () => {
    const { channel, alice } = pair();
    alice.startSync();
    await alice.remove();
    expect(alice.isRunningSync()).toBe(false);
    expect(channel.getListenerIds()).not.toContain(alice.id);
    await expect(alice.remove()).rejects.toBeInstanceOf(InvalidListenerException);
  });

  it('removeSync() stops and unregisters at once', () => {
    const { channel, alice } = pair();
    alice.startSync();
    alice.removeSync();
    expect(alice.isRunningSync()).toBe(false);
    expect(channel.getListenerIds()).not.toContain(alice.id);
    // A second removeSync does not throw: the failure is only logged.
    expect(() => alice.removeSync()).not.toThrow();
  });

  it('an action that throws inside a stream gives an internal error event and the stream goes on', async () => {
    const { channel, alice, bob } = pair();
    bob.setAction('boom', () => {
      throw new Error('action failed');
    });
    bob.setAction('hello', () => [new Message('ack')]);
    bob.startSync();
    await alice.dispatchTo(bob, new Message('boom'));
    await alice.dispatchTo(bob, new Message('hello'));
    await alice.dispatchTo(bob, new Message('stop'));
    const events: SSEEvent[] = [];
    for await (const event of channel.messageStream(bob)) events.push(event);
    expect(events.map((e) => e.event)).toEqual([MESSAGE_TYPE_INTERNAL_ERROR, 'hello', 'stop']);
    expect(events[0]?.data).toMatchObject({ message: 'action failed', type: 'boom' });
    alice.startSync();
    expect((await channel.deliverNext(alice.id)).type).toBe('ack');
  });

  it('the seed scenario: alice and bob say hello to each other and ack, then stop', async () => {
    const { channel, alice, bob } = pair();
    const log: string[] = [];
    const helloResponse = (msg: MessageContract): MessageContract[] => [new Message('hello_ack', `${String(msg.payload)}!`)];
    const helloAckResponse = (): MessageContract[] => [new Message('stop')];
    for (const listener of [alice, bob]) {
      listener.setAction('hello', helloResponse);
      listener.setAction('hello_ack', helloAckResponse);
      listener.startSync();
    }
    await alice.dispatchTo(bob, new Message('hello', 'hi bob'));
    await bob.dispatchTo(alice, new Message('hello', 'hi alice'));
    const run = async (name: string, listener: SimpleDistributedApplicationListener): Promise<void> => {
      for await (const event of channel.messageStream(listener)) log.push(`${name} <- ${event.event} ${String(event.data)}`);
    };
    await Promise.all([run('alice', alice), run('bob', bob)]);
    expect(log.filter((l) => l.startsWith('alice'))).toEqual([
      'alice <- hello hi alice',
      'alice <- hello_ack hi bob!',
      'alice <- stop undefined',
    ]);
    expect(log.filter((l) => l.startsWith('bob'))).toEqual([
      'bob <- hello hi bob',
      'bob <- hello_ack hi alice!',
      'bob <- stop undefined',
    ]);
    expect(alice.isRunningSync() || bob.isRunningSync()).toBe(false);
  });
});
