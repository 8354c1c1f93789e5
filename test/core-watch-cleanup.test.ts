import { describe, expect, it } from 'vitest';
import { Message, SSEChannel } from 'eric-sse';

// watch() creates a listener nobody else knows about: once its stream is over, nothing can
// read that listener's queue again, so keeping it registered would let broadcasts pile up
// in a queue forever (an SSE server calls watch() once per client).
describe('watch() cleanup', () => {
  it('unregisters its listener when the consumer leaves the loop', async () => {
    const channel = new SSEChannel();
    await channel.broadcast(new Message('before-watch')); // nobody to receive it
    const stream = channel.watch();
    expect(channel.getListenerIds()).toHaveLength(1);
    await channel.broadcast(new Message('one'));
    for await (const event of stream) {
      expect(event.event).toBe('one');
      break;
    }
    expect(channel.getListenerIds()).toEqual([]);
  });

  it('unregisters its listener when the stream ends on notifyEnd', async () => {
    const channel = new SSEChannel();
    const stream = channel.watch();
    await channel.notifyEnd();
    const events = [];
    for await (const event of stream) events.push(event.event);
    expect(events).toEqual(['_eric_channel_closed']);
    expect(channel.getListenerIds()).toEqual([]);
  });

  it('registers the listener at once, so that a broadcast before the first next() is received', async () => {
    const channel = new SSEChannel();
    const stream = channel.watch();
    await channel.broadcast(new Message('early'));
    expect((await stream.next()).value).toMatchObject({ event: 'early' });
    await stream.return();
  });

  it('ends quietly when its listener was removed by someone else', async () => {
    const channel = new SSEChannel();
    const stream = channel.watch();
    const next = stream.next();
    const [id] = channel.getListenerIds();
    await channel.removeListener(id!);
    expect((await next).value).toMatchObject({ event: 'error' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});

describe('messageStream with something that is not a listener', () => {
  it.each([[undefined], [null], [{ id: 'x' }]])('yields one error event naming the problem for %j', async (bad) => {
    const channel = new SSEChannel();
    const events = [];
    for await (const event of channel.messageStream(bad as never)) events.push(event);
    expect(events).toEqual([
      { event: 'error', retry: 5, data: expect.stringMatching(/^InvalidListenerException: messageStream expects a MessageQueueListener, got /) },
    ]);
  });
});
