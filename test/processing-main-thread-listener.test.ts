import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, MESSAGE_TYPE_INTERNAL_ERROR, Message, MessageQueueListener, type MessageContract } from 'eric-sse';
import { collect, dispatchAll } from './processing-helpers.js';

/** An async, I/O-like listener that records how many onMessage calls overlap. */
class OverlapListener extends MessageQueueListener {
  active = 0;
  maxActive = 0;
  seen: string[] = [];

  override async onMessage(msg: MessageContract): Promise<void> {
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    // Yield to the event loop a few times, as an I/O call would.
    for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
    this.active -= 1;
    if (msg.type === 'bad') throw new TypeError(`bad payload ${String(msg.payload)}`);
    this.seen.push(String(msg.payload));
  }
}

describe('processQueue with a plain listener (main thread)', () => {
  it('runs onMessage on the main thread, at most maxWorkers at a time, and yields the adapted message', async () => {
    const channel = new DataProcessingChannel({ maxWorkers: 3 });
    const listener = new OverlapListener();
    channel.registerListener(listener);
    await dispatchAll(channel, listener.id, Array.from({ length: 12 }, (_, i) => ['row', i] as const));
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events).toEqual(Array.from({ length: 12 }, (_, i) => ({ event: 'row', data: i })));
    expect(listener.maxActive).toBe(3);
    expect(listener.seen).toHaveLength(12);
    await channel.close();
  });

  it('yields an internal-error event for a throwing onMessage and goes on', async () => {
    const channel = new DataProcessingChannel({ maxWorkers: 2 });
    const listener = new OverlapListener();
    channel.registerListener(listener);
    await channel.dispatch(listener.id, new Message('row', 1));
    await channel.dispatch(listener.id, new Message('bad', 2));
    await channel.dispatch(listener.id, new Message('row', 3));
    const events = await collect(channel.processQueue(listener, { until: 'empty', ordered: true }));
    expect(events).toEqual([
      { event: 'row', data: 1 },
      { event: MESSAGE_TYPE_INTERNAL_ERROR, data: { name: 'TypeError', message: 'bad payload 2', type: 'bad', payload: 2 } },
      { event: 'row', data: 3 },
    ]);
  });
});
