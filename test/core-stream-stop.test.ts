import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, SSEChannel } from 'eric-sse';

/** Resolves with what `promise` settled to, or 'still pending' after `ms` (a bound on a hang, not a speed goal). */
async function within<T>(promise: Promise<T>, ms = 2000): Promise<T | 'still pending'> {
  return Promise.race([promise, sleep(ms).then(() => 'still pending' as const)]);
}

describe('stopping a stream that waits for a message', () => {
  it('messageStream: return() while next() waits ends both at once and leaves the listener running', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await listener.start();
    const stream = channel.messageStream(listener);
    const pending = stream.next();
    await sleep(20);
    expect(await within(stream.return())).toEqual({ done: true, value: undefined });
    expect(await within(pending)).toEqual({ done: true, value: undefined });
    expect(listener.isRunningSync()).toBe(true);
    // Nothing was taken: the next message goes to the next stream.
    await channel.dispatch(listener.id, new Message('later'));
    const next = channel.messageStream(listener);
    expect((await next.next()).value?.event).toBe('later');
    await next.return();
  });

  it('messageStream: options.signal ends a waiting stream without stopping the listener', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await listener.start();
    const abort = new AbortController();
    const stream = channel.messageStream(listener, { signal: abort.signal });
    const pending = stream.next();
    await sleep(20);
    abort.abort();
    expect(await within(pending)).toEqual({ done: true, value: undefined });
    expect(listener.isRunningSync()).toBe(true);
    expect(() => channel.messageStream(listener, { signal: 'x' as never })).toThrow(/signal.*AbortSignal.*"x" \(string\)/);
  });

  it('a message popped while the stream was being stopped goes back to the head of the queue', async () => {
    const channel = new SSEChannel();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class SlowListener extends MessageQueueListener {
      override async onMessage(): Promise<void> {
        await gate;
      }
    }
    const listener = new SlowListener();
    channel.registerListener(listener);
    await listener.start();
    await channel.dispatch(listener.id, new Message('first'));
    await channel.dispatch(listener.id, new Message('second'));
    const stream = channel.messageStream(listener);
    const pending = stream.next(); // pops 'first', waits in onMessage
    await sleep(20);
    const returned = stream.return();
    release();
    expect(await within(pending)).toEqual({ done: true, value: undefined });
    await returned;
    const types: string[] = [];
    while (types.length < 2) types.push((await channel.deliverNext(listener.id)).type);
    expect(types).toEqual(['first', 'second']);
  });

  it('watch(): return() before the first next() unregisters its listener (1,000 times, none left)', async () => {
    const channel = new SSEChannel();
    for (let i = 0; i < 1000; i += 1) await channel.watch().return();
    expect(channel.getListenerIds()).toEqual([]);
  });

  it('watch(): return() while waiting on an idle channel ends at once and unregisters', async () => {
    const channel = new SSEChannel();
    const stream = channel.watch();
    const pending = stream.next();
    await sleep(20);
    expect(await within(stream.return())).toEqual({ done: true, value: undefined });
    expect(await within(pending)).toEqual({ done: true, value: undefined });
    expect(channel.getListenerIds()).toEqual([]);
  });
});

describe('handlers and adapters that fail in odd ways never lose a message', () => {
  it('an onMessage that throws unprintable values yields error events and the stream goes on', async () => {
    const channel = new SSEChannel();
    const throwers: Array<() => unknown> = [
      () => Object.create(null),
      () => ({ toString: () => { throw new Error('no'); } }),
      () => Object.defineProperty(new Error('x'), 'message', { get: () => { throw new Error('getter'); } }),
    ];
    class Hostile extends MessageQueueListener {
      override onMessage(msg: { payload: unknown }): void {
        const index = msg.payload as number;
        if (index < throwers.length) throw throwers[index]!();
      }
    }
    const listener = new Hostile();
    channel.registerListener(listener);
    await listener.start();
    for (let i = 0; i <= throwers.length; i += 1) await channel.dispatch(listener.id, new Message('m', i));
    await channel.notifyEnd();
    const events = [];
    for await (const event of channel.messageStream(listener)) events.push(event);
    expect(events.map((e) => e.event)).toEqual(['_eric_error', '_eric_error', '_eric_error', 'm', '_eric_channel_closed']);
    for (const event of events.slice(0, 3)) expect(typeof (event.data as { message: unknown }).message).toBe('string');
  });

  it('payloadAdapter = JSON.stringify with payloads it cannot serialise: error events, nothing lost', async () => {
    const channel = new SSEChannel();
    channel.payloadAdapter = JSON.stringify;
    const listener = channel.addListener();
    await listener.start();
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    await channel.dispatch(listener.id, new Message('big', 10n as never));
    await channel.dispatch(listener.id, new Message('circular', circular as never));
    await channel.dispatch(listener.id, new Message('deep', deep as never));
    await channel.dispatch(listener.id, new Message('fine', { ok: true }));
    await channel.notifyEnd();
    const events = [];
    for await (const event of channel.messageStream(listener)) events.push(event);
    expect(events.map((e) => e.event)).toEqual(['_eric_error', '_eric_error', '_eric_error', 'fine', '_eric_channel_closed']);
    for (const event of events.slice(0, 3)) {
      const data = JSON.parse(event.data as string) as { type: string; payloadError: string };
      expect(data.payloadError).toMatch(/could not be adapted/);
    }
    expect(JSON.parse(events.map((e) => e.data as string)[0]!)).toMatchObject({ type: 'big' });
  });
});
