import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_INTERNAL_ERROR } from 'eric-sse';
import { collect, dispatchAll, workerSetup } from './processing-helpers.js';

describe('processQueue: a handler that throws', () => {
  it('yields an internal-error event for that message, with the error name, and the others go on', async () => {
    const { channel, listener } = workerSetup('throwing-handler.js');
    await using _closesPool = channel;
    const input = Array.from({ length: 30 }, (_, i) => [i % 10 === 3 ? 'bad' : 'good', i] as const);
    await dispatchAll(channel, listener.id, input);
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events).toHaveLength(30);
    events.forEach((event, i) => {
      if (i % 10 === 3) {
        expect(event).toEqual({
          event: MESSAGE_TYPE_INTERNAL_ERROR,
          data: { name: 'BadInputError', message: `cannot process ${i}`, type: 'bad', payload: i },
        });
      } else {
        expect(event).toEqual({ event: 'good', data: { ok: i } });
      }
    });
  });
});
