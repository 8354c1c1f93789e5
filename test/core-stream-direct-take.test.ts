// A listener's stream on the in-memory queue waits as the queue's taker (no promise per wait)
// and can map its events: these tests pin what that path must keep from the general one.
import { describe, expect, it } from 'vitest';
import {
  EventHistory,
  InMemoryQueue,
  Message,
  MESSAGE_TYPE_CLOSED,
  MESSAGE_TYPE_INTERNAL_ERROR,
  MessageQueueListener,
  SSEChannel,
  type MessageContract,
} from 'eric-sse';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A channel with a started listener and its stream, past `first`: the stream is connected,
 * so the waits that follow take the direct path.
 */
async function connectedStream(first: MessageContract = new Message('first')) {
  const channel = new SSEChannel();
  const listener = channel.addListener();
  listener.startSync();
  const stream = channel.messageStream(listener);
  await channel.dispatch(listener.id, first);
  const firstEvent = await stream.next();
  return { channel, listener, stream, firstEvent };
}

describe('a stream waiting on the in-memory queue', () => {
  it('answers several pending next() calls in call order, each with its own message', async () => {
    const { channel, listener, stream, firstEvent } = await connectedStream(new Message('n', 0));
    expect(firstEvent.value?.data).toBe(0); // connected: later calls take directly
    const pending = [stream.next(), stream.next(), stream.next()];
    for (const n of [1, 2, 3]) await channel.dispatch(listener.id, new Message('n', n));
    const results = await Promise.all(pending);
    expect(results.map((r) => r.value?.data)).toEqual([1, 2, 3]);
    await stream.return();
  });

  it('hands a broadcast to every waiting stream, and each gets the next one too', async () => {
    const channel = new SSEChannel();
    const listeners = Array.from({ length: 50 }, () => {
      const listener = channel.addListener();
      listener.startSync();
      return listener;
    });
    const streams = listeners.map((listener) => channel.messageStream(listener));
    await channel.broadcast(new Message('warm', 0));
    await Promise.all(streams.map((s) => s.next()));
    for (let n = 1; n <= 20; n += 1) {
      const pending = streams.map((s) => s.next());
      await channel.broadcast(new Message('n', n));
      const got = await Promise.all(pending);
      expect(got.every((r) => r.value?.data === n)).toBe(true);
    }
    await Promise.all(streams.map((s) => s.return()));
  });

  it('return() ends a pending next() at once and takes nothing: the next message stays queued', async () => {
    const { channel, listener, stream } = await connectedStream();
    const pending = stream.next(); // waits as the queue's taker
    await tick();
    await stream.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    await channel.dispatch(listener.id, new Message('after'));
    expect((await channel.deliverNext(listener.id)).type).toBe('after');
  });

  it('stopping the listener ends a waiting stream; a restart is followed by a new stream', async () => {
    const { channel, listener, stream } = await connectedStream();
    const pending = stream.next();
    listener.stopSync();
    expect((await pending).done).toBe(true);
    listener.startSync();
    const again = channel.messageStream(listener);
    await channel.dispatch(listener.id, new Message('second'));
    expect((await again.next()).value?.event).toBe('second');
    await again.return();
  });

  it('removing the listener while a stream waits yields one error event, then the end', async () => {
    const { channel, listener, stream } = await connectedStream();
    const pending = stream.next();
    await channel.removeListener(listener.id);
    const error = await pending;
    expect(error.value?.event).toBe('error');
    expect(String(error.value?.data)).toMatch(/was removed/);
    expect((await stream.next()).done).toBe(true);
  });

  it("runs a listener's own async onMessage outside the producer's call, and keeps order", async () => {
    const seen: unknown[] = [];
    let inBroadcast = false;
    class Recording extends MessageQueueListener {
      override async onMessage(msg: MessageContract): Promise<void> {
        expect(inBroadcast).toBe(false);
        await tick();
        seen.push(msg.payload);
      }
    }
    const channel = new SSEChannel();
    const listener = new Recording();
    channel.registerListener(listener);
    listener.startSync();
    const stream = channel.messageStream(listener);
    await channel.dispatch(listener.id, new Message('n', 0));
    await stream.next();
    for (let n = 1; n <= 5; n += 1) {
      const pending = stream.next();
      inBroadcast = true;
      const broadcasting = channel.broadcast(new Message('n', n));
      inBroadcast = false;
      await broadcasting;
      expect((await pending).value?.data).toBe(n);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    await stream.return();
  });

  it('ends after the closed message, also on the direct path', async () => {
    const { channel, stream } = await connectedStream();
    const pending = stream.next();
    await channel.notifyEnd();
    expect((await pending).value?.event).toBe(MESSAGE_TYPE_CLOSED);
    expect((await stream.next()).done).toBe(true);
  });
});

describe('MessageStreamOptions.map', () => {
  it('yields what map makes of each event and the message it came from', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const messages = [new Message('a', 1), new Message('b', 2)];
    const stream = channel.messageStream(listener, { map: (event, msg) => ({ name: event.event, same: msg === messages[Number(event.data) - 1] }) });
    for (const msg of messages) await channel.dispatch(listener.id, msg);
    expect((await stream.next()).value).toEqual({ name: 'a', same: true });
    expect((await stream.next()).value).toEqual({ name: 'b', same: true });
    await stream.return();
  });

  it('maps the error event of an unknown listener with the message it was made from', async () => {
    const channel = new SSEChannel();
    const stranger = new MessageQueueListener();
    stranger.startSync();
    const stream = channel.messageStream(stranger, { map: (event, msg) => `${event.event}:${msg.type}` });
    expect((await stream.next()).value).toBe('error:error');
    expect((await stream.next()).done).toBe(true);
  });

  it('maps internal-error events of a failing onMessage too', async () => {
    class Failing extends MessageQueueListener {
      override onMessage(): void {
        throw new RangeError('no');
      }
    }
    const channel = new SSEChannel();
    const listener = new Failing();
    channel.registerListener(listener);
    listener.startSync();
    const stream = channel.messageStream(listener, { map: (event, msg) => [event.event, msg.type] });
    await channel.dispatch(listener.id, new Message('job'));
    expect((await stream.next()).value).toEqual([MESSAGE_TYPE_INTERNAL_ERROR, 'job']);
    await stream.return();
  });

  it('a map that throws puts the message back at the head of the queue, and the stream rethrows', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const stream = channel.messageStream(listener, {
      map: (event) => {
        if (event.event === 'bad') throw new TypeError('cannot map');
        return event.event;
      },
    });
    await channel.dispatch(listener.id, new Message('good'));
    expect((await stream.next()).value).toBe('good');
    await channel.dispatch(listener.id, new Message('bad'));
    await expect(stream.next()).rejects.toThrow('cannot map');
    expect((await stream.next()).done).toBe(true);
    expect((await channel.deliverNext(listener.id)).type).toBe('bad');
  });

  it('watch() maps too', async () => {
    const channel = new SSEChannel();
    const stream = channel.watch({ map: (event) => event.event.toUpperCase() });
    const first = stream.next();
    await tick();
    await channel.broadcast(new Message('hello'));
    expect((await first).value).toBe('HELLO');
    await stream.return();
    expect(channel.getListenerIds()).toEqual([]);
  });

  it('refuses a map that is not a function, naming it', () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    expect(() => channel.messageStream(listener, { map: 'x' as never })).toThrow(/messageStream option "map" must be a function, got "x" \(string\)/);
  });
});

describe('InMemoryQueue.popOrEnlist', () => {
  it('returns a queued message at once, else enlists the taker, which the next push gives its message to', async () => {
    const queue = new InMemoryQueue();
    const controller = new AbortController();
    const given: MessageContract[] = [];
    const taker = { signal: controller.signal, give: (msg: MessageContract) => given.push(msg), fail: () => undefined };
    await queue.push(new Message('queued'));
    expect(queue.popOrEnlist(taker)?.type).toBe('queued');
    expect(queue.popOrEnlist(taker)).toBeUndefined();
    await queue.push(new Message('pushed'));
    expect(given.map((m) => m.type)).toEqual(['pushed']);
    expect(await queue.size()).toBe(0);
  });

  it('fails an enlisted taker with the reason when its signal aborts, and throws for an aborted one', async () => {
    const queue = new InMemoryQueue();
    const controller = new AbortController();
    const failures: unknown[] = [];
    const taker = { signal: controller.signal, give: () => undefined, fail: (reason: unknown) => failures.push(reason) };
    expect(queue.popOrEnlist(taker)).toBeUndefined();
    controller.abort('gone');
    expect(failures).toEqual(['gone']);
    expect(() => queue.popOrEnlist(taker)).toThrow('gone');
    await queue.push(new Message('kept'));
    expect((await queue.pop()).type).toBe('kept');
  });
});

describe('EventHistory.add', () => {
  it('records like record() and returns only the id', () => {
    const history = new EventHistory({ epoch: 'e' });
    const event = Object.freeze({ event: 'a', data: '1' });
    expect(history.add(event)).toBe('e-1');
    expect(history.record({ event: 'b', data: '2' }).id).toBe('e-2');
    expect(history.since('e-0').events).toEqual([
      { event: 'a', data: '1', id: 'e-1' },
      { event: 'b', data: '2', id: 'e-2' },
    ]);
  });
});

describe('ListenerStream.nextWith', () => {
  it("answers inside the producer's push for a listener without a handler of its own, never during the call", async () => {
    const { channel, stream } = await connectedStream();
    const got: unknown[] = [];
    stream.nextWith((result) => got.push(result.value?.event), (error) => got.push(error));
    expect(got).toEqual([]); // waiting: nothing during the call
    void channel.broadcast(new Message('pushed'));
    expect(got).toEqual(['pushed']); // inside the push, before broadcast's promise settles
    await stream.return();
  });

  it('a callback that throws fails only its own stream: the broadcast reaches every other listener', async () => {
    const channel = new SSEChannel();
    const [bad, good] = [channel.addListener(), channel.addListener()];
    bad.startSync();
    good.startSync();
    const badStream = channel.messageStream(bad);
    const goodStream = channel.messageStream(good);
    await channel.broadcast(new Message('warm'));
    await Promise.all([badStream.next(), goodStream.next()]);
    const errors: unknown[] = [];
    badStream.nextWith(
      () => {
        throw new Error('consumer bug');
      },
      (error) => errors.push(error),
    );
    const goodNext = goodStream.next();
    await expect(channel.broadcast(new Message('news'))).resolves.toBeUndefined();
    expect((await goodNext).value?.event).toBe('news');
    expect(String(errors[0])).toMatch(/consumer bug/);
    await Promise.all([badStream.return(), goodStream.return()]);
  });

  it('takes a message already queued in a later microtask, and queues behind a pending next()', async () => {
    const { channel, listener, stream } = await connectedStream(new Message('a'));
    for (const type of ['b', 'c']) await channel.dispatch(listener.id, new Message(type));
    const order: string[] = [];
    const first = stream.next().then((r) => order.push(`next:${r.value?.event}`));
    stream.nextWith((r) => order.push(`nextWith:${r.value?.event}`), () => undefined);
    expect(order).toEqual([]);
    await first;
    await tick();
    expect(order).toEqual(['next:b', 'nextWith:c']);
    await stream.return();
  });
});
