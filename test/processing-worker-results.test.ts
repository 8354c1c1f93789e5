import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, MESSAGE_TYPE_CLOSED, Message, WorkerListener } from 'eric-sse';
import { closedAfterTest, collect, dispatchAll, fixture, workerSetup } from './processing-helpers.js';

describe('processQueue with a WorkerListener: results', () => {
  it('yields { event: type, data: handler result } for each message, in worker threads', async () => {
    const setup = workerSetup('square-handler.js');
    const { channel } = setup;
    await dispatchAll(channel, setup.listener.id, Array.from({ length: 50 }, (_, i) => ['n', i] as const));
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(setup.listener));
    expect(events).toHaveLength(50);
    expect(events.every((e) => e.event === 'n')).toBe(true);
    expect(events.map((e) => e.data as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i * i));
  });

  it('yields the message payload when the handler returns undefined', async () => {
    const setup = workerSetup('echo-handler.js');
    const { channel } = setup;
    await dispatchAll(channel, setup.listener.id, [['row', { id: 1, tags: ['a'] }], ['row', 'text']]);
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(setup.listener, { ordered: true }));
    expect(events).toEqual([{ event: 'row', data: { id: 1, tags: ['a'] } }, { event: 'row', data: 'text' }]);
  });

  it('calls the export named in options.name', async () => {
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 1 }));
    const listener = new WorkerListener(fixture('square-handler.js'), { name: 'double' });
    channel.registerListener(listener);
    await dispatchAll(channel, listener.id, [['n', 21]]);
    await channel.notifyEnd();
    expect(await collect(channel.processQueue(listener))).toEqual([{ event: 'n', data: 42 }]);
  });

  it('does not yield the closed message, and ignores the listener running state', async () => {
    const setup = workerSetup('echo-handler.js', { maxWorkers: 1 });
    const { channel } = setup;
    expect(setup.listener.isRunningSync()).toBe(false);
    await dispatchAll(channel, setup.listener.id, [['a', 1], [MESSAGE_TYPE_CLOSED, undefined]]);
    expect(await collect(channel.processQueue(setup.listener))).toEqual([{ event: 'a', data: 1 }]);
  });

  it('accepts a file: URL string and a path relative to the current directory', async () => {
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 1 }));
    const byString = new WorkerListener(fixture('square-handler.js').href);
    const byPath = new WorkerListener('test/fixtures/square-handler.js');
    expect(byPath.handler).toBe(new URL('../test/fixtures/square-handler.js', `file://${process.cwd()}/x/`).href);
    for (const listener of [byString, byPath]) {
      channel.registerListener(listener);
      await channel.dispatch(listener.id, new Message('n', 3));
      expect(await collect(channel.processQueue(listener, { until: 'empty' }))).toEqual([{ event: 'n', data: 9 }]);
    }
  });
});
