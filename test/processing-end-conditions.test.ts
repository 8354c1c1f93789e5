import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_CLOSED, Message, MessageQueueListener } from 'eric-sse';
import { collect, dispatchAll, workerSetup } from './processing-helpers.js';

describe('processQueue end conditions', () => {
  it('waits while the queue is empty and ends after the closed message and all earlier results', async () => {
    const setup = workerSetup('square-handler.js');
    const { channel } = setup;
    const stream = channel.processQueue(setup.listener);
    const first = stream.next(); // the queue is empty: this waits
    let settled = false;
    void first.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await dispatchAll(channel, setup.listener.id, [['n', 2], ['n', 3], ['n', 4]]);
    await channel.notifyEnd();
    const rest = [(await first).value, ...(await collect(stream))];
    expect(rest.map((e) => e?.data).sort()).toEqual([16, 4, 9]);
  });

  it("with { until: 'empty' } ends as soon as the queue runs dry", async () => {
    const setup = workerSetup('echo-handler.js');
    const { channel } = setup;
    await dispatchAll(channel, setup.listener.id, [['a', 1], ['b', 2]]);
    const events = await collect(channel.processQueue(setup.listener, { until: 'empty', ordered: true }));
    expect(events).toEqual([{ event: 'a', data: 1 }, { event: 'b', data: 2 }]);
  });

  it('keeps messages queued after the closed message for the next run', async () => {
    const setup = workerSetup('echo-handler.js');
    const { channel } = setup;
    await dispatchAll(channel, setup.listener.id, [['round', 1], [MESSAGE_TYPE_CLOSED, undefined], ['round', 2], [MESSAGE_TYPE_CLOSED, undefined]]);
    expect(await collect(channel.processQueue(setup.listener))).toEqual([{ event: 'round', data: 1 }]);
    expect(await collect(channel.processQueue(setup.listener))).toEqual([{ event: 'round', data: 2 }]);
  });

  it('ends a main-thread run at the closed message too', async () => {
    const setup = workerSetup('echo-handler.js');
    const { channel } = setup;
    const plain = new MessageQueueListener();
    channel.registerListener(plain);
    await channel.dispatch(plain.id, new Message('x', 1));
    await channel.notifyEnd();
    expect(await collect(channel.processQueue(plain))).toEqual([{ event: 'x', data: 1 }]);
  });
});
