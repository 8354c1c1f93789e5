import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, MESSAGE_TYPE_INTERNAL_ERROR, WorkerListener } from 'eric-sse';
import { closedAfterTest, collect, dispatchAll, fixture } from './processing-helpers.js';

describe('processQueue: a handler that hangs, with WorkerListener timeoutMs', () => {
  it('reports the hanging message as a TimeoutError, replaces its thread, and the others go on', async () => {
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 2 }));
    const listener = new WorkerListener(fixture('hanging-handler.js'), { timeoutMs: 1000 });
    channel.registerListener(listener);
    const count = 60;
    const hangAt = 30;
    await dispatchAll(channel, listener.id, Array.from({ length: count }, (_, i) => [i === hangAt ? 'hang' : 'row', i] as const));
    await channel.notifyEnd();

    const events = await collect(channel.processQueue(listener, { ordered: true }));

    expect(events).toHaveLength(count);
    events.forEach((event, i) => {
      if (i === hangAt) {
        expect(event).toEqual({
          event: MESSAGE_TYPE_INTERNAL_ERROR,
          data: { name: 'TimeoutError', message: 'Handler took longer than 1000 ms; its thread was replaced', type: 'hang', payload: hangAt },
        });
      } else {
        expect(event).toEqual({ event: 'row', data: `ok ${i}` });
      }
    });
  });

  it.each([[0], [-5], [Number.NaN], [Number.POSITIVE_INFINITY], ['100']])('rejects timeoutMs %j with a RangeError', (timeoutMs) => {
    expect(() => new WorkerListener(fixture('echo-handler.js'), { timeoutMs: timeoutMs as number })).toThrow(
      /timeoutMs" must be a finite number > 0/,
    );
  });
});
