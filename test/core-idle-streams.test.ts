import { describe, expect, it } from 'vitest';
import { Message, SSEChannel, type SSEEvent } from 'eric-sse';

describe('10,000 idle streams', () => {
  it('are all woken by one broadcast, each with the message, and all end on notifyEnd', async () => {
    const channel = new SSEChannel();
    const count = 10_000;
    const streams = Array.from({ length: count }, () => {
      const listener = channel.addListener();
      listener.startSync();
      return channel.messageStream(listener);
    });
    const firsts = streams.map((stream) => stream.next());
    // Let every stream reach its wait before the broadcast.
    await new Promise((resolve) => setImmediate(resolve));
    await channel.broadcast(new Message('wake', 'everyone'));
    const results = await Promise.all(firsts);
    expect(results.every((r) => !r.done && (r.value as SSEEvent).event === 'wake' && (r.value as SSEEvent).data === 'everyone')).toBe(true);
    // Each got it once: the next waits again until notifyEnd, then closes.
    const seconds = streams.map((stream) => stream.next());
    await channel.notifyEnd();
    const closing = await Promise.all(seconds);
    expect(closing.filter((r) => (r.value as SSEEvent | undefined)?.event === '_eric_channel_closed')).toHaveLength(count);
    const ends = await Promise.all(streams.map((stream) => stream.next()));
    expect(ends.every((r) => r.done)).toBe(true);
  });
});
