import { describe, expect, it } from 'vitest';
import { Message, UniqueMessage } from 'eric-sse';
import { collect, dispatchAll, workerSetup } from './processing-helpers.js';

describe('processQueue result order', () => {
  it('yields results in completion order by default', async () => {
    // "first" blocks its thread until the consumer has seen "second" and opens the gate.
    const setup = workerSetup('gate-handler.js', { maxWorkers: 2 });
    const { channel } = setup;
    const gate = new SharedArrayBuffer(4);
    await channel.dispatch(setup.listener.id, new Message('first', { gate } as never));
    await channel.dispatch(setup.listener.id, new Message('second', { gate } as never));
    await channel.notifyEnd();
    const seen: unknown[] = [];
    for await (const event of channel.processQueue(setup.listener)) {
      seen.push(event.data);
      if (event.data === 'second') {
        Atomics.store(new Int32Array(gate), 0, 1);
        Atomics.notify(new Int32Array(gate), 0);
      }
    }
    expect(seen).toEqual(['second', 'first']);
  });

  it('yields results in dispatch order with { ordered: true }', async () => {
    // Uneven delays make completion order differ from dispatch order.
    const setup = workerSetup('slow-handler.js', { maxWorkers: 4 });
    const { channel } = setup;
    const ids = Array.from({ length: 40 }, (_, i) => i);
    await dispatchAll(channel, setup.listener.id, ids.map((id) => ['job', { id, ms: ((40 - id) % 7) * 3 }] as const));
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(setup.listener, { ordered: true }));
    expect(events.map((e) => e.data)).toEqual(ids);
  });
});

describe('processQueue: which input a result belongs to', () => {
  it('carries the UniqueMessage id on its result and on its error event', async () => {
    const { channel, listener } = workerSetup('throwing-handler.js');
    await channel.dispatch(listener.id, new UniqueMessage('a', new Message('ok', 1)));
    await channel.dispatch(listener.id, new UniqueMessage('b', new Message('bad', 2)));
    await channel.dispatch(listener.id, new Message('ok', 3));
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events.map((e) => e.id)).toEqual(['a', 'b', undefined]);
    expect(events[1]!.event).toBe('_eric_error');
  });
});
